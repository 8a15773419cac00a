internal import CWritGit
internal import Clibgit2

/// A failure reported by libgit2: its error code and class, its message and
/// the C function that returned it.
package struct GitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A libgit2 `git_error_code` value (negative).
    package struct Code: RawRepresentable, Sendable, Hashable {
        package let rawValue: Int32

        package init(rawValue: Int32) { self.rawValue = rawValue }

        static let generic = Code(rawValue: GIT_ERROR.rawValue)
        package static let notFound = Code(rawValue: GIT_ENOTFOUND.rawValue)
        package static let locked = Code(rawValue: GIT_ELOCKED.rawValue)
        package static let modified = Code(rawValue: GIT_EMODIFIED.rawValue)
        package static let invalid = Code(rawValue: GIT_EINVALID.rawValue)
        /// An object larger than the staging backend holds (CWritGit).
        static let objectTooLarge = Code(rawValue: WRIT_ETOOBIG)
        /// An index past the staged objects (CWritGit).
        static let indexOutOfRange = Code(rawValue: WRIT_ERANGE)
    }

    package let code: Code
    /// The libgit2 `git_error_t` class, or 0 when libgit2 left no error.
    let errorClass: Int32
    package let message: String
    /// The C function that failed, e.g. `git_reference_create_matching`.
    let function: String

    package var description: String {
        "\(function) failed (code \(code.rawValue), class \(errorClass)): \(message)"
    }
}

/// Turns a libgit2 return value into a thrown `GitError`.
///
/// Call it right after the C call, on the same thread, because libgit2 keeps
/// the last error per thread; `git_error_last()` may be NULL (1.5.1 does not
/// always set one), which yields an explicit placeholder message.
@discardableResult
package func check(_ result: Int32, _ function: String) throws(GitError) -> Int32 {
    guard result < 0 else { return result }
    var errorClass: Int32 = 0
    var message = "no error message from libgit2"
    if let last = git_error_last() {
        errorClass = last.pointee.klass
        if let text = last.pointee.message {
            message = String(decoding: UnsafeRawBufferPointer(start: text, count: strlen(text)), as: UTF8.self)
        }
    }
    throw GitError(code: .init(rawValue: result), errorClass: errorClass, message: message, function: function)
}

import Foundation

/// Renders the argument parser's description of `writ` (the JSON of
/// `writ --experimental-dump-help`) as a man(7) page: `docs/writ.1`.
///
/// The page is derived from the parser alone, so it cannot drift from the
/// commands; `GeneratedDocsTests` regenerates it and compares it byte for
/// byte with the committed file. Output is deterministic: no date, commands
/// in the parser's order.
enum ManPageRenderer {
    struct Tool: Decodable {
        let command: Command
    }

    struct Command: Decodable {
        let superCommands: [String]?
        let shouldDisplay: Bool?
        let commandName: String
        let abstract: String?
        let discussion: String?
        let subcommands: [Command]?
        let arguments: [Argument]?
    }

    struct Argument: Decodable {
        struct Name: Decodable {
            let kind: String
            let name: String

            var flag: String { kind == "short" ? "-" + name : (kind == "long" ? "--" : "-") + name }
        }

        let kind: String
        let shouldDisplay: Bool
        let isOptional: Bool
        let isRepeating: Bool
        let names: [Name]?
        let valueName: String?
        let defaultValue: String?
        let allValues: [String]?
        let abstract: String?
        let discussion: String?
    }

    static func render(dumpHelp json: Data) throws -> String {
        let root = try JSONDecoder().decode(Tool.self, from: json).command
        let name = root.commandName
        var lines: [String] = [
            #".\" Generated from the argument parser (writ --experimental-dump-help) by scripts/regenerate-docs."#,
            #".\" Do not edit: a test regenerates this page and compares it with this file."#,
            ".TH \(name.uppercased()) 1 \"\" \"\(name)\" \"General Commands Manual\"",
            ".SH NAME",
            "\(name) \\- " + text(root.abstract ?? ""),
            ".SH SYNOPSIS",
            ".B \(name)",
            ".I command",
            ".RI [ options ]",
            ".SH DESCRIPTION",
        ]
        lines += paragraphs(root.discussion)
        lines.append(".SH OPTIONS")
        lines += options(root.arguments ?? [])
        lines.append(".SH COMMANDS")
        for command in root.subcommands ?? [] {
            lines += section(command, path: [name])
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func visible(_ command: Command) -> Bool {
        (command.shouldDisplay ?? true) && command.commandName != "help"
    }

    private static func section(_ command: Command, path: [String]) -> [String] {
        guard visible(command) else { return [] }
        let full = path + [command.commandName]
        var lines = [".SS \"\(full.joined(separator: " "))\""]
        lines += paragraphs(command.abstract)
        lines += paragraphs(command.discussion)
        // Every command takes --help; it is listed once, under OPTIONS.
        let arguments = (command.arguments ?? []).filter { argument in
            argument.shouldDisplay && !(argument.names ?? []).contains { $0.kind == "long" && $0.name == "help" }
        }
        let children = (command.subcommands ?? []).filter(visible)
        lines.append(".PP")
        var synopsis = "\\fB" + full.map(escape).joined(separator: " ") + "\\fR"
        if !children.isEmpty { synopsis += " \\fIsubcommand\\fR" }
        for argument in arguments { synopsis += " " + usage(argument) }
        lines.append(synopsis)
        lines += options(arguments)
        for child in children { lines += section(child, path: full) }
        return lines
    }

    private static func options(_ arguments: [Argument]) -> [String] {
        var lines: [String] = []
        for argument in arguments where argument.shouldDisplay {
            lines.append(".TP")
            lines.append(label(argument))
            var help = text(argument.abstract ?? "")
            if let values = argument.allValues, argument.kind != "flag" {
                help += " (values: " + values.map(escape).joined(separator: ", ") + ")"
            }
            if let value = argument.defaultValue, argument.kind != "flag" {
                help += " (default: " + escape(value) + ")"
            }
            lines.append(help.isEmpty ? "\\&" : help)
            if let discussion = argument.discussion, !discussion.isEmpty {
                lines.append(".IP")
                lines += body(discussion)
            }
        }
        return lines
    }

    /// The term of an option's entry: its names, then its value.
    private static func label(_ argument: Argument) -> String {
        let value = "\\fI<" + escape(argument.valueName ?? "value") + ">\\fR"
        if argument.kind == "positional" { return value + (argument.isRepeating ? " ..." : "") }
        let names = (argument.names ?? []).map { "\\fB" + flag($0.flag) + "\\fR" }.joined(separator: ", ")
        return argument.kind == "option" ? names + " " + value : names
    }

    /// One argument in a usage line: `[--name <value>]`, `<id>`, `--flag`.
    private static func usage(_ argument: Argument) -> String {
        var text: String
        let names = argument.names ?? []
        switch argument.kind {
        case "positional":
            text = "\\fI<" + escape(argument.valueName ?? "value") + ">\\fR"
        case "option":
            let name = names.first { $0.kind == "long" } ?? names.first
            text = "\\fB" + flag(name?.flag ?? "") + "\\fR \\fI<" + escape(argument.valueName ?? "value") + ">\\fR"
        default:
            let shown = names.filter { $0.kind != "short" }
            text = (shown.isEmpty ? names : shown).map { "\\fB" + flag($0.flag) + "\\fR" }.joined(separator: "|")
        }
        if argument.isRepeating { text += " ..." }
        return argument.isOptional ? "[" + text + "]" : text
    }

    /// Paragraphs of free text, each after `.PP`.
    private static func paragraphs(_ text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        return [".PP"] + body(text)
    }

    /// Free text as man source: blank lines become paragraph breaks.
    private static func body(_ source: String) -> [String] {
        source.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.trimmingCharacters(in: .whitespaces).isEmpty ? ".PP" : text(String(line))
        }
    }

    /// One line of text, escaped, and guarded so that it is never read as a
    /// request (a line starting with `.` or `'`).
    private static func text(_ line: String) -> String {
        let escaped = escape(line)
        return escaped.hasPrefix(".") || escaped.hasPrefix("'") ? "\\&" + escaped : escaped
    }

    /// Escapes roff's escape character.
    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\e")
    }

    /// An option name, its hyphens as minus signs so that it prints as typed
    /// and can be searched for.
    private static func flag(_ name: String) -> String {
        escape(name).replacingOccurrences(of: "-", with: "\\-")
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// How the C allocator is set up before any command runs.
enum MemoryTuning {
    /// The commands that read a whole ledger and governance history.
    static let historyReaders: Set<String> = ["status", "show", "log", "verify", "report"]

    /// glibc raises its mmap and trim thresholds each time a large block
    /// is freed (up to 32 MB), after which freed memory stays in the
    /// process. A status or verify over a long history frees many
    /// multi-megabyte buffers from several threads, and a dispatcher runs
    /// for months: fixed thresholds give that memory back (measured on a
    /// verify of 100,000 intents: 152 MB peak RSS before, 140 MB after,
    /// at the same speed). Setting them is what turns the adjustment off.
    /// Only the commands that read a whole history get it: a dispatch of
    /// 200 intents peaks at about 40 MB either way, and with fixed
    /// thresholds each larger buffer it frees is a fresh mapping next time.
    static func apply(forArguments arguments: [String]) {
        guard let command = arguments.dropFirst().first, historyReaders.contains(command) else { return }
        // `mallopt` is glibc's (malloc.h, outside the C module Swift
        // imports); another C library simply keeps its own behaviour.
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
        _ = mallopt(mmapThreshold, 128 * 1024)
        _ = mallopt(trimThreshold, 128 * 1024)
    }
}

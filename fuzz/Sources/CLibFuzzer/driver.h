// libFuzzer's driver. `-sanitize=fuzzer` links libFuzzer whole, its `main`
// included, but SwiftPM points `main` at each executable's own entry point:
// each target's `@main` calls this driver with the same test function that
// it exports as `LLVMFuzzerTestOneInput`.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

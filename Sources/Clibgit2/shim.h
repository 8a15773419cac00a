#ifndef WRIT_CLIBGIT2_SHIM_H
#define WRIT_CLIBGIT2_SHIM_H

#define GIT_DEPRECATE_HARD
#include <git2.h>
#include <git2/sys/alloc.h>
#include <stdlib.h>
#include <string.h>

/// `git_libgit2_opts` is variadic, which Swift cannot call; these wrappers
/// expose the few options writ sets.
static inline int writ_git_set_owner_validation(int enabled) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled);
}

/// Bounds libgit2's object cache to `bytes` in all (process-wide).
static inline int writ_git_set_cache_max_size(ssize_t bytes) {
    return git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, bytes);
}

/// Caches objects of `type` up to `bytes` each (process-wide).
static inline int writ_git_set_cache_object_limit(git_object_t type, size_t bytes) {
    return git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, type, bytes);
}

/// Replaces the trust store TLS connections verify against with the
/// certificates in `file` (a PEM bundle). Process-wide, which is why writ
/// sets it only in its remote helper process, once per operation.
static inline int writ_git_set_ssl_cert_file(const char *file) {
    return git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, (const char *)NULL);
}

/* ---- Counting allocator -------------------------------------------------
 * libgit2 allocates through a replaceable allocator. writ installs one that
 * forwards to malloc/free and keeps two counts of live blocks: one for the
 * process and one for the calling thread. A workload that runs on a single
 * thread can then show that every block it caused was freed, even while
 * other threads use libgit2 at the same time. The counters live in
 * function-local statics so that the one module including this header owns
 * exactly one copy of each.
 */

static inline long *writ_alloc_process_counter(void) {
    static long count;
    return &count;
}

static inline long *writ_alloc_thread_counter(void) {
    static _Thread_local long count;
    return &count;
}

static inline void writ_alloc_note(long delta) {
    __atomic_add_fetch(writ_alloc_process_counter(), delta, __ATOMIC_RELAXED);
    *writ_alloc_thread_counter() += delta;
}

static inline void *writ_alloc_counted(void *ptr) {
    if (ptr != NULL) writ_alloc_note(1);
    return ptr;
}

static inline void *writ_alloc_malloc(size_t n, const char *file, int line) {
    (void)file; (void)line;
    return writ_alloc_counted(malloc(n));
}

static inline void *writ_alloc_calloc(size_t nelem, size_t elsize, const char *file, int line) {
    (void)file; (void)line;
    return writ_alloc_counted(calloc(nelem, elsize));
}

static inline char *writ_alloc_strdup(const char *str, const char *file, int line) {
    (void)file; (void)line;
    return (char *)writ_alloc_counted(strdup(str));
}

static inline char *writ_alloc_strndup(const char *str, size_t n, const char *file, int line) {
    (void)file; (void)line;
    return (char *)writ_alloc_counted(strndup(str, n));
}

static inline char *writ_alloc_substrdup(const char *str, size_t n, const char *file, int line) {
    (void)file; (void)line;
    if (n == SIZE_MAX) return NULL;
    char *copy = (char *)malloc(n + 1);
    if (copy == NULL) return NULL;
    memcpy(copy, str, n);
    copy[n] = '\0';
    return (char *)writ_alloc_counted(copy);
}

static inline void *writ_alloc_realloc(void *ptr, size_t size, const char *file, int line) {
    (void)file; (void)line;
    /* realloc(p, 0) may free p; libgit2 never means that, so keep a block. */
    void *grown = realloc(ptr, size == 0 ? 1 : size);
    if (ptr == NULL && grown != NULL) writ_alloc_note(1);
    return grown;
}

static inline void *writ_alloc_reallocarray(void *ptr, size_t nelem, size_t elsize, const char *file, int line) {
    if (elsize != 0 && nelem > SIZE_MAX / elsize) return NULL;
    return writ_alloc_realloc(ptr, nelem * elsize, file, line);
}

static inline void *writ_alloc_mallocarray(size_t nelem, size_t elsize, const char *file, int line) {
    return writ_alloc_reallocarray(NULL, nelem, elsize, file, line);
}

static inline void writ_alloc_free(void *ptr) {
    if (ptr != NULL) writ_alloc_note(-1);
    free(ptr);
}

/// Installs the counting allocator. libgit2 copies the struct; the option
/// must be set before `git_libgit2_init`.
static inline int writ_git_install_counting_allocator(void) {
    git_allocator allocator;
    allocator.gmalloc = writ_alloc_malloc;
    allocator.gcalloc = writ_alloc_calloc;
    allocator.gstrdup = writ_alloc_strdup;
    allocator.gstrndup = writ_alloc_strndup;
    allocator.gsubstrdup = writ_alloc_substrdup;
    allocator.grealloc = writ_alloc_realloc;
    allocator.greallocarray = writ_alloc_reallocarray;
    allocator.gmallocarray = writ_alloc_mallocarray;
    allocator.gfree = writ_alloc_free;
    return git_libgit2_opts(GIT_OPT_SET_ALLOCATOR, &allocator);
}

static inline long writ_git_live_allocations(void) {
    return __atomic_load_n(writ_alloc_process_counter(), __ATOMIC_RELAXED);
}

static inline long writ_git_live_allocations_on_thread(void) {
    return *writ_alloc_thread_counter();
}

#endif

/* strdup and strndup are POSIX, not C11. */
#define _POSIX_C_SOURCE 200809L

#include "CWritGit.h"

/* Live blocks in the process (updated atomically: any thread allocates)
 * and on the calling thread. */
static long process_count;
static _Thread_local long thread_count;

static void note(long delta) {
    __atomic_add_fetch(&process_count, delta, __ATOMIC_RELAXED);
    thread_count += delta;
}

static void *counted(void *ptr) {
    if (ptr != NULL) note(1);
    return ptr;
}

static void *counting_malloc(size_t n, const char *file, int line) {
    (void)file;
    (void)line;
    return counted(malloc(n));
}

static void *counting_calloc(size_t nelem, size_t elsize, const char *file, int line) {
    (void)file;
    (void)line;
    /* calloc itself refuses a product that overflows. */
    return counted(calloc(nelem, elsize));
}

static char *counting_strdup(const char *str, const char *file, int line) {
    (void)file;
    (void)line;
    return (char *)counted(strdup(str));
}

static char *counting_strndup(const char *str, size_t n, const char *file, int line) {
    (void)file;
    (void)line;
    return (char *)counted(strndup(str, n));
}

static char *counting_substrdup(const char *str, size_t n, const char *file, int line) {
    (void)file;
    (void)line;
    if (n == SIZE_MAX) return NULL;
    char *copy = (char *)malloc(n + 1);
    if (copy == NULL) return NULL;
    memcpy(copy, str, n);
    copy[n] = '\0';
    return (char *)counted(copy);
}

static void *counting_realloc(void *ptr, size_t size, const char *file, int line) {
    (void)file;
    (void)line;
    /* realloc(p, 0) may free p; libgit2 never means that, so keep a block. */
    void *grown = realloc(ptr, size == 0 ? 1 : size);
    if (ptr == NULL && grown != NULL) note(1);
    return grown;
}

static void *counting_reallocarray(void *ptr, size_t nelem, size_t elsize, const char *file, int line) {
    if (elsize != 0 && nelem > SIZE_MAX / elsize) return NULL;
    return counting_realloc(ptr, nelem * elsize, file, line);
}

static void *counting_mallocarray(size_t nelem, size_t elsize, const char *file, int line) {
    return counting_reallocarray(NULL, nelem, elsize, file, line);
}

static void counting_free(void *ptr) {
    if (ptr != NULL) note(-1);
    free(ptr);
}

int writ_git_install_counting_allocator(void) {
    git_allocator allocator;
    allocator.gmalloc = counting_malloc;
    allocator.gcalloc = counting_calloc;
    allocator.gstrdup = counting_strdup;
    allocator.gstrndup = counting_strndup;
    allocator.gsubstrdup = counting_substrdup;
    allocator.grealloc = counting_realloc;
    allocator.greallocarray = counting_reallocarray;
    allocator.gmallocarray = counting_mallocarray;
    allocator.gfree = counting_free;
    return git_libgit2_opts(GIT_OPT_SET_ALLOCATOR, &allocator);
}

long writ_git_live_allocations(void) {
    return __atomic_load_n(&process_count, __ATOMIC_RELAXED);
}

long writ_git_live_allocations_on_thread(void) {
    return thread_count;
}

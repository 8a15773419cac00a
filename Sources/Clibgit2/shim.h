#ifndef WRIT_CLIBGIT2_SHIM_H
#define WRIT_CLIBGIT2_SHIM_H

#define GIT_DEPRECATE_HARD
#include <git2.h>
#include <git2/sys/alloc.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

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

/// Turns on fsync of every object, pack, index and ref file libgit2 writes
/// (and of its directory after the rename), process-wide.
static inline int writ_git_set_fsync_gitdir(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, enabled);
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

/* ---- Staged object writes ------------------------------------------------
 * An object database backend that keeps the objects written through it in
 * memory and reads everything else from another object database (the
 * repository's own). writ builds a claim commit's blobs, trees and commit
 * through it, then writes them to disk as one pack (two files) instead of
 * one loose file each. Lookups of objects it does not hold go to the
 * target without rescanning the target's pack folder on a miss: a miss is
 * the normal case for an object being written for the first time, and a
 * rescan per miss costs a read of the whole pack folder.
 */

typedef struct {
    git_oid id;
    git_object_t type;
    size_t size;
    unsigned char *data;
} writ_staged_object;

typedef struct {
    git_odb_backend parent;
    git_odb *target;
    writ_staged_object *objects;
    size_t count;
    size_t capacity;
} writ_stage_backend;

static inline writ_staged_object *writ_stage_find(writ_stage_backend *stage, const git_oid *id) {
    for (size_t i = 0; i < stage->count; i++) {
        if (git_oid_equal(&stage->objects[i].id, id)) return &stage->objects[i];
    }
    return NULL;
}

static inline int writ_stage_read(
    void **data, size_t *size, git_object_t *type, git_odb_backend *backend, const git_oid *id) {
    writ_stage_backend *stage = (writ_stage_backend *)backend;
    writ_staged_object *staged = writ_stage_find(stage, id);
    if (staged != NULL) {
        *data = git_odb_backend_data_alloc(backend, staged->size > 0 ? staged->size : 1);
        if (*data == NULL) return -1;
        memcpy(*data, staged->data, staged->size);
        *size = staged->size;
        *type = staged->type;
        return 0;
    }
    git_odb_object *object = NULL;
    int error = git_odb_read(&object, stage->target, id);
    if (error < 0) return error;
    size_t length = git_odb_object_size(object);
    *data = git_odb_backend_data_alloc(backend, length > 0 ? length : 1);
    if (*data == NULL) {
        git_odb_object_free(object);
        return -1;
    }
    memcpy(*data, git_odb_object_data(object), length);
    *size = length;
    *type = git_odb_object_type(object);
    git_odb_object_free(object);
    return 0;
}

static inline int writ_stage_read_header(
    size_t *size, git_object_t *type, git_odb_backend *backend, const git_oid *id) {
    writ_stage_backend *stage = (writ_stage_backend *)backend;
    writ_staged_object *staged = writ_stage_find(stage, id);
    if (staged != NULL) {
        *size = staged->size;
        *type = staged->type;
        return 0;
    }
    return git_odb_read_header(size, type, stage->target, id);
}

static inline int writ_stage_exists(git_odb_backend *backend, const git_oid *id) {
    writ_stage_backend *stage = (writ_stage_backend *)backend;
    if (writ_stage_find(stage, id) != NULL) return 1;
    return git_odb_exists_ext(stage->target, id, GIT_ODB_LOOKUP_NO_REFRESH);
}

/// An object written through the stage lands in the stage even when the
/// target already holds it: libgit2 asks backends to "freshen" an object
/// before writing it and skips the write when one answers, and an object
/// the target holds only as garbage (a lost race's leftovers) can be
/// pruned at any moment. Answering for staged objects only puts every
/// object a commit needs in the pack that is kept until a ref names it.
static inline int writ_stage_freshen(git_odb_backend *backend, const git_oid *id) {
    writ_stage_backend *stage = (writ_stage_backend *)backend;
    return writ_stage_find(stage, id) != NULL ? 0 : GIT_ENOTFOUND;
}

static inline int writ_stage_write(
    git_odb_backend *backend, const git_oid *id, const void *data, size_t size, git_object_t type) {
    writ_stage_backend *stage = (writ_stage_backend *)backend;
    if (writ_stage_find(stage, id) != NULL) return 0;
    if (stage->count == stage->capacity) {
        size_t capacity = stage->capacity == 0 ? 16 : stage->capacity * 2;
        writ_staged_object *grown = (writ_staged_object *)realloc(stage->objects, capacity * sizeof(*grown));
        if (grown == NULL) return -1;
        stage->objects = grown;
        stage->capacity = capacity;
    }
    unsigned char *copy = (unsigned char *)malloc(size > 0 ? size : 1);
    if (copy == NULL) return -1;
    memcpy(copy, data, size);
    writ_staged_object *object = &stage->objects[stage->count++];
    git_oid_cpy(&object->id, id);
    object->type = type;
    object->size = size;
    object->data = copy;
    return 0;
}

static inline int writ_stage_foreach(git_odb_backend *backend, git_odb_foreach_cb callback, void *payload) {
    writ_stage_backend *stage = (writ_stage_backend *)backend;
    for (size_t i = 0; i < stage->count; i++) {
        int error = callback(&stage->objects[i].id, payload);
        if (error != 0) return error;
    }
    return 0;
}

/// Forgets every staged object (after they were written to disk).
static inline void writ_stage_reset(git_odb_backend *backend) {
    writ_stage_backend *stage = (writ_stage_backend *)backend;
    for (size_t i = 0; i < stage->count; i++) free(stage->objects[i].data);
    stage->count = 0;
}

static inline size_t writ_stage_count(git_odb_backend *backend) {
    return ((writ_stage_backend *)backend)->count;
}

static inline const git_oid *writ_stage_id(git_odb_backend *backend, size_t index) {
    return &((writ_stage_backend *)backend)->objects[index].id;
}

/// The staged object at `index`: its bytes, with its type and size.
static inline const unsigned char *writ_stage_object(
    git_odb_backend *backend, size_t index, git_object_t *type, size_t *size) {
    writ_staged_object *object = &((writ_stage_backend *)backend)->objects[index];
    *type = object->type;
    *size = object->size;
    return object->data;
}

static inline void writ_stage_free(git_odb_backend *backend) {
    writ_stage_backend *stage = (writ_stage_backend *)backend;
    writ_stage_reset(backend);
    free(stage->objects);
    git_odb_free(stage->target);
    free(stage);
}

/// A staging backend over `target`, which it takes a reference of (freed
/// with the backend). The object database it is added to owns it.
static inline int writ_stage_backend_new(git_odb_backend **out, git_odb *target) {
    writ_stage_backend *stage = (writ_stage_backend *)calloc(1, sizeof(*stage));
    if (stage == NULL) return -1;
    git_odb_init_backend(&stage->parent, GIT_ODB_BACKEND_VERSION);
    stage->parent.read = writ_stage_read;
    stage->parent.read_header = writ_stage_read_header;
    stage->parent.write = writ_stage_write;
    stage->parent.exists = writ_stage_exists;
    stage->parent.freshen = writ_stage_freshen;
    stage->parent.foreach = writ_stage_foreach;
    stage->parent.free = writ_stage_free;
    stage->target = target;
    *out = &stage->parent;
    return 0;
}

/// Calls the `foreach` of an object database backend (a single pack's).
static inline int writ_backend_foreach(git_odb_backend *backend, git_odb_foreach_cb callback, void *payload) {
    if (backend->foreach == NULL) return -1;
    return backend->foreach(backend, callback, payload);
}

/// Frees an object database backend that was never added to a database.
static inline void writ_backend_free(git_odb_backend *backend) {
    if (backend != NULL && backend->free != NULL) backend->free(backend);
}

#endif

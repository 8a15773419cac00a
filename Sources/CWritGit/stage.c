#include "CWritGit.h"

#include <stdio.h>

/* Every size within the limit is a size_t, and a staged size a uint32_t. */
_Static_assert(SIZE_MAX >= WRIT_STAGE_MAX_OBJECT_BYTES, "size_t holds every staged size");
_Static_assert(UINT32_MAX == WRIT_STAGE_MAX_OBJECT_BYTES, "uint32_t holds every staged size");

/* One staged object. Its size is 32 bits: WRIT_STAGE_MAX_OBJECT_BYTES. */
typedef struct {
    git_oid id;
    git_object_t type;
    uint32_t size;
    unsigned char *data;
} staged_object;

/* The objects in the order written (a pack lists them so), and an open
 * addressing table over them: `slots` holds an object's index plus one, 0
 * for an empty slot, probed linearly from the slot the id hashes to. An id
 * is a hash already, so its first bytes pick the slot. The table has a
 * power-of-two size at least twice the object count, and doubles as the
 * count grows, so a probe ends at an empty slot after a few steps. */
typedef struct {
    git_odb_backend parent;
    git_odb *target;
    uint64_t max_object_bytes;
    staged_object *objects;
    size_t count;
    size_t capacity;
    size_t *slots;
    size_t slot_count;
} stage_backend;

/* A reset keeps arrays up to this many entries for the next commit; a
 * stage that once held more gives the memory back. */
#define KEPT_CAPACITY 1024

static stage_backend *stage_of(git_odb_backend *backend) {
    return (stage_backend *)backend;
}

static int out_of_memory(const char *what) {
    char message[128];
    snprintf(message, sizeof message, "staging backend: out of memory for %s", what);
    git_error_set_str(GIT_ERROR_NOMEMORY, message);
    return WRIT_ENOMEM;
}

static size_t slot_of(const git_oid *id, size_t mask) {
    size_t hash;
    memcpy(&hash, id->id, sizeof hash);
    return hash & mask;
}

/* The staged object with `id`, or NULL. */
static staged_object *find(const stage_backend *stage, const git_oid *id) {
    if (stage->slot_count == 0) return NULL;
    size_t mask = stage->slot_count - 1;
    size_t slot = slot_of(id, mask);
    /* At most every slot once; the table is never full, so an empty slot
     * ends the loop long before. */
    for (size_t probes = 0; probes < stage->slot_count; probes++) {
        size_t entry = stage->slots[slot];
        if (entry == 0 || entry > stage->count) return NULL;
        staged_object *object = &stage->objects[entry - 1];
        if (git_oid_equal(&object->id, id)) return object;
        slot = (slot + 1) & mask;
    }
    return NULL;
}

/* Puts object `index` in the table, which has an empty slot. */
static void place(stage_backend *stage, size_t index) {
    size_t mask = stage->slot_count - 1;
    size_t slot = slot_of(&stage->objects[index].id, mask);
    while (stage->slots[slot] != 0) slot = (slot + 1) & mask;
    stage->slots[slot] = index + 1;
}

/* Room for one more object: the array and the table grown by doubling,
 * every size computation checked. On failure nothing changed. */
static int reserve_one(stage_backend *stage) {
    if (stage->count == SIZE_MAX - 1) return out_of_memory("another object");
    if (stage->count == stage->capacity) {
        size_t capacity = stage->capacity == 0 ? 16 : stage->capacity;
        if (stage->capacity != 0) {
            if (capacity > SIZE_MAX / 2) return out_of_memory("the object list");
            capacity *= 2;
        }
        if (capacity > SIZE_MAX / sizeof(staged_object)) return out_of_memory("the object list");
        staged_object *grown = (staged_object *)realloc(stage->objects, capacity * sizeof(staged_object));
        if (grown == NULL) return out_of_memory("the object list");
        stage->objects = grown;
        stage->capacity = capacity;
    }
    /* Load at most one half after the insert. */
    size_t needed = stage->count + 1;
    if (stage->slot_count != 0 && needed <= stage->slot_count / 2) return 0;
    size_t slot_count = stage->slot_count == 0 ? 32 : stage->slot_count;
    while (needed > slot_count / 2) {
        if (slot_count > SIZE_MAX / 2) return out_of_memory("the object table");
        slot_count *= 2;
    }
    if (slot_count > SIZE_MAX / sizeof(size_t)) return out_of_memory("the object table");
    size_t *slots = (size_t *)calloc(slot_count, sizeof(size_t));
    if (slots == NULL) return out_of_memory("the object table");
    free(stage->slots);
    stage->slots = slots;
    stage->slot_count = slot_count;
    for (size_t index = 0; index < stage->count; index++) place(stage, index);
    return 0;
}

int writ_stage_check_size(git_odb_backend *backend, uint64_t bytes) {
    uint64_t limit = stage_of(backend)->max_object_bytes;
    if (bytes <= limit) return 0;
    char message[160];
    snprintf(
        message, sizeof message, "staging backend: an object of %llu bytes is over the %llu bytes one may hold",
        (unsigned long long)bytes, (unsigned long long)limit);
    git_error_set_str(GIT_ERROR_ODB, message);
    return WRIT_ETOOBIG;
}

/* A copy of `size` bytes in memory libgit2 frees (at least one byte). */
static int copy_out(void **data, git_odb_backend *backend, const void *bytes, size_t size) {
    *data = git_odb_backend_data_alloc(backend, size > 0 ? size : 1);
    if (*data == NULL) return out_of_memory("an object read");
    if (size > 0) memcpy(*data, bytes, size);
    return 0;
}

static int stage_read(void **data, size_t *size, git_object_t *type, git_odb_backend *backend, const git_oid *id) {
    stage_backend *stage = stage_of(backend);
    const staged_object *staged = find(stage, id);
    if (staged != NULL) {
        int error = copy_out(data, backend, staged->data, staged->size);
        if (error < 0) return error;
        *size = staged->size;
        *type = staged->type;
        return 0;
    }
    git_odb_object *object = NULL;
    int error = git_odb_read(&object, stage->target, id);
    if (error < 0) return error;
    size_t length = git_odb_object_size(object);
    error = copy_out(data, backend, git_odb_object_data(object), length);
    if (error == 0) {
        *size = length;
        *type = git_odb_object_type(object);
    }
    git_odb_object_free(object);
    return error;
}

static int stage_read_header(size_t *size, git_object_t *type, git_odb_backend *backend, const git_oid *id) {
    stage_backend *stage = stage_of(backend);
    const staged_object *staged = find(stage, id);
    if (staged != NULL) {
        *size = staged->size;
        *type = staged->type;
        return 0;
    }
    return git_odb_read_header(size, type, stage->target, id);
}

static int stage_exists(git_odb_backend *backend, const git_oid *id) {
    stage_backend *stage = stage_of(backend);
    if (find(stage, id) != NULL) return 1;
    return git_odb_exists_ext(stage->target, id, GIT_ODB_LOOKUP_NO_REFRESH);
}

/* An object written through the stage lands in the stage even when the
 * target already holds it: libgit2 asks backends to "freshen" an object
 * before writing it and skips the write when one answers, and an object
 * the target holds only as garbage (a lost race's leftovers) can be
 * pruned at any moment. Answering for staged objects only puts every
 * object a commit needs in the pack that is kept until a ref names it. */
static int stage_freshen(git_odb_backend *backend, const git_oid *id) {
    return find(stage_of(backend), id) != NULL ? 0 : GIT_ENOTFOUND;
}

static int stage_write(git_odb_backend *backend, const git_oid *id, const void *data, size_t size, git_object_t type) {
    stage_backend *stage = stage_of(backend);
    int error = writ_stage_check_size(backend, (uint64_t)size);
    if (error < 0) return error;
    if (find(stage, id) != NULL) return 0;
    error = reserve_one(stage);
    if (error < 0) return error;
    unsigned char *copy = (unsigned char *)malloc(size > 0 ? size : 1);
    if (copy == NULL) return out_of_memory("an object");
    if (size > 0) memcpy(copy, data, size);
    size_t index = stage->count;
    staged_object *object = &stage->objects[index];
    git_oid_cpy(&object->id, id);
    object->type = type;
    object->size = (uint32_t)size; /* checked above: at most UINT32_MAX */
    object->data = copy;
    stage->count = index + 1;
    place(stage, index);
    return 0;
}

/* A write stream: libgit2 writes blobs through one (and tries one when a
 * write fails). It collects exactly the declared size, then stages the
 * object whole. An object over the limit is refused when the stream is
 * opened, before its buffer is allocated. */
typedef struct {
    git_odb_stream parent;
    git_object_t type;
    size_t size;
    size_t received;
    unsigned char *buffer;
} stage_stream;

static int stream_write(git_odb_stream *stream, const char *data, size_t len) {
    stage_stream *collected = (stage_stream *)stream;
    if (len > collected->size - collected->received) {
        git_error_set_str(GIT_ERROR_ODB, "staging backend: more bytes written than the object declared");
        return GIT_ERROR;
    }
    if (len > 0) memcpy(collected->buffer + collected->received, data, len);
    collected->received += len;
    return 0;
}

static int stream_finalize_write(git_odb_stream *stream, const git_oid *id) {
    stage_stream *collected = (stage_stream *)stream;
    if (collected->received != collected->size) {
        git_error_set_str(GIT_ERROR_ODB, "staging backend: fewer bytes written than the object declared");
        return GIT_ERROR;
    }
    return stage_write(stream->backend, id, collected->buffer, collected->size, collected->type);
}

static void stream_free(git_odb_stream *stream) {
    stage_stream *collected = (stage_stream *)stream;
    free(collected->buffer);
    free(collected);
}

static int stage_writestream(
    git_odb_stream **stream, git_odb_backend *backend, git_object_size_t size, git_object_t type) {
    *stream = NULL;
    int error = writ_stage_check_size(backend, (uint64_t)size);
    if (error < 0) return error;
    stage_stream *collected = (stage_stream *)calloc(1, sizeof(*collected));
    if (collected == NULL) return out_of_memory("a write stream");
    collected->size = (size_t)size;
    collected->buffer = (unsigned char *)malloc(collected->size > 0 ? collected->size : 1);
    if (collected->buffer == NULL) {
        free(collected);
        return out_of_memory("an object");
    }
    collected->type = type;
    collected->parent.backend = backend;
    collected->parent.mode = GIT_STREAM_WRONLY;
    collected->parent.write = stream_write;
    collected->parent.finalize_write = stream_finalize_write;
    collected->parent.free = stream_free;
    *stream = &collected->parent;
    return 0;
}

static int stage_foreach(git_odb_backend *backend, git_odb_foreach_cb callback, void *payload) {
    stage_backend *stage = stage_of(backend);
    for (size_t i = 0; i < stage->count; i++) {
        int error = callback(&stage->objects[i].id, payload);
        if (error != 0) return error;
    }
    return 0;
}

void writ_stage_reset(git_odb_backend *backend) {
    stage_backend *stage = stage_of(backend);
    for (size_t i = 0; i < stage->count; i++) free(stage->objects[i].data);
    stage->count = 0;
    if (stage->capacity > KEPT_CAPACITY) {
        free(stage->objects);
        free(stage->slots);
        stage->objects = NULL;
        stage->slots = NULL;
        stage->capacity = 0;
        stage->slot_count = 0;
    } else if (stage->slot_count > 0) {
        memset(stage->slots, 0, stage->slot_count * sizeof(size_t));
    }
}

size_t writ_stage_count(git_odb_backend *backend) {
    return stage_of(backend)->count;
}

int writ_stage_object(
    git_odb_backend *backend, size_t index, git_oid *id, git_object_t *type, const unsigned char **data,
    size_t *size) {
    stage_backend *stage = stage_of(backend);
    if (index >= stage->count) {
        char message[128];
        snprintf(
            message, sizeof message, "staging backend: no object at index %zu of %zu", index, stage->count);
        git_error_set_str(GIT_ERROR_INVALID, message);
        return WRIT_ERANGE;
    }
    const staged_object *object = &stage->objects[index];
    git_oid_cpy(id, &object->id);
    *type = object->type;
    *data = object->data;
    *size = object->size;
    return 0;
}

int writ_stage_holds(git_odb_backend *backend, const git_oid *id) {
    return find(stage_of(backend), id) != NULL;
}

static void stage_free(git_odb_backend *backend) {
    stage_backend *stage = stage_of(backend);
    for (size_t i = 0; i < stage->count; i++) free(stage->objects[i].data);
    free(stage->objects);
    free(stage->slots);
    git_odb_free(stage->target);
    free(stage);
}

int writ_stage_backend_new(git_odb_backend **out, git_odb *target, uint64_t max_object_bytes) {
    *out = NULL;
    stage_backend *stage = (stage_backend *)calloc(1, sizeof(*stage));
    if (stage == NULL) return out_of_memory("the staging backend");
    git_odb_init_backend(&stage->parent, GIT_ODB_BACKEND_VERSION);
    stage->parent.read = stage_read;
    stage->parent.read_header = stage_read_header;
    stage->parent.write = stage_write;
    stage->parent.writestream = stage_writestream;
    stage->parent.exists = stage_exists;
    stage->parent.freshen = stage_freshen;
    stage->parent.foreach = stage_foreach;
    stage->parent.free = stage_free;
    stage->target = target;
    stage->max_object_bytes =
        max_object_bytes < WRIT_STAGE_MAX_OBJECT_BYTES ? max_object_bytes : WRIT_STAGE_MAX_OBJECT_BYTES;
    *out = &stage->parent;
    return 0;
}

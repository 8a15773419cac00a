#ifndef WRIT_CWRITGIT_H
#define WRIT_CWRITGIT_H

/* writ's C helpers around libgit2: what Swift cannot call itself (variadic
 * options, callback tables) and what must run as C (an allocator, an
 * object database backend). Declarations only; the definitions are in the
 * .c files next to this folder. */

/* Relative to this file: SwiftPM gives a C target that depends on a system
 * library its module map but no include path. Clang maps the file to the
 * Clibgit2 module, so Swift sees libgit2's declarations once. */
#include "../../Clibgit2/Clibgit2.h"

#include <stddef.h>
#include <stdint.h>

/* ---- Error codes ---------------------------------------------------------
 * Returned by the functions below, and by the staging backend through
 * libgit2 (which passes a backend's code on). Far from libgit2's own codes
 * (-1 to about -40) so Swift tells them apart; each comes with a libgit2
 * error message (git_error_last) saying what was refused. */

/** An object larger than the staging backend holds (see
 * WRIT_STAGE_MAX_OBJECT_BYTES, or the backend's own lower limit). */
#define WRIT_ETOOBIG (-1001)
/** An index past the staged objects. */
#define WRIT_ERANGE (-1002)
/** A size computation would overflow, or memory ran out. */
#define WRIT_ENOMEM (-1003)

/* ---- libgit2 options -----------------------------------------------------
 * git_libgit2_opts is variadic, which Swift cannot call; these wrappers
 * expose the few options writ sets. */

/** Turns the check that a repository belongs to the current user on or off. */
int writ_git_set_owner_validation(int enabled);
/** Bounds libgit2's object cache to `bytes` in all (process-wide). */
int writ_git_set_cache_max_size(ssize_t bytes);
/** Caches objects of `type` up to `bytes` each (process-wide). */
int writ_git_set_cache_object_limit(git_object_t type, size_t bytes);
/** Turns on fsync of every object, pack, index and ref file libgit2 writes
 * (and of its directory after the rename), process-wide. */
int writ_git_set_fsync_gitdir(int enabled);
/** Replaces the trust store TLS connections verify against with the
 * certificates in `file` (a PEM bundle). Process-wide, which is why writ
 * sets it only in its remote helper process, once per operation. */
int writ_git_set_ssl_cert_file(const char *file);

/* ---- Counting allocator --------------------------------------------------
 * libgit2 allocates through a replaceable allocator. writ installs one that
 * forwards to malloc/free and keeps two counts of live blocks: one for the
 * process and one for the calling thread. A workload that runs on a single
 * thread can then show that every block it caused was freed, even while
 * other threads use libgit2 at the same time. */

/** Installs the counting allocator. libgit2 copies the struct; the option
 * must be set before git_libgit2_init. */
int writ_git_install_counting_allocator(void);
/** Blocks allocated through libgit2 and not freed, in the whole process. */
long writ_git_live_allocations(void);
/** Blocks allocated through libgit2 and not freed, by the calling thread
 * (a block freed on another thread counts there). */
long writ_git_live_allocations_on_thread(void);

/* ---- Staged object writes ------------------------------------------------
 * An object database backend that keeps the objects written through it in
 * memory and reads everything else from another object database (the
 * repository's own). writ builds a claim commit's blobs, trees and commit
 * through it, then writes them to disk as one pack (two files) instead of
 * one loose file each. Staged objects are found by id through a hash
 * table; lookups of objects it does not hold go to the target without
 * rescanning the target's pack folder on a miss: a miss is the normal case
 * for an object being written for the first time, and a rescan per miss
 * costs a read of the whole pack folder. */

/** The most bytes one staged object may hold: its size is kept in 32 bits.
 * A larger object is refused with WRIT_ETOOBIG before anything is copied. */
#define WRIT_STAGE_MAX_OBJECT_BYTES 4294967295ULL

/** A staging backend over `target`, which it takes a reference of (freed
 * with the backend), refusing objects over `max_object_bytes` (at most
 * WRIT_STAGE_MAX_OBJECT_BYTES; a larger value is lowered to it). The object
 * database it is added to owns it. 0, or WRIT_ENOMEM. */
int writ_stage_backend_new(git_odb_backend **out, git_odb *target, uint64_t max_object_bytes);

/** 0 when an object of `bytes` fits in `backend`, else WRIT_ETOOBIG with a
 * libgit2 error message naming both sizes. Every write checks it first. */
int writ_stage_check_size(git_odb_backend *backend, uint64_t bytes);

/** How many objects are staged. */
size_t writ_stage_count(git_odb_backend *backend);

/** The staged object at `index` (in the order written): its id, type and
 * bytes, valid until the next reset. 0, or WRIT_ERANGE past the end. */
int writ_stage_object(
    git_odb_backend *backend, size_t index, git_oid *id, git_object_t *type, const unsigned char **data,
    size_t *size);

/** Whether an object is staged (1) or not (0), without asking the target. */
int writ_stage_holds(git_odb_backend *backend, const git_oid *id);

/** Forgets every staged object (after they were written to disk). */
void writ_stage_reset(git_odb_backend *backend);

/* ---- Any backend ---------------------------------------------------------*/

/** Calls the foreach of an object database backend (a single pack's). */
int writ_backend_foreach(git_odb_backend *backend, git_odb_foreach_cb callback, void *payload);

/** Frees an object database backend that was never added to a database. */
void writ_backend_free(git_odb_backend *backend);

#endif

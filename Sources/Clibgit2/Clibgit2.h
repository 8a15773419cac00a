#ifndef WRIT_CLIBGIT2_H
#define WRIT_CLIBGIT2_H

/* libgit2's headers as writ reads them, and zlib's (the pack writer
 * compresses with it), with the C library's
 * string and memory functions the Swift files used through them. Nothing else: writ's own C code is the CWritGit
 * target, which includes this header. Deprecated names are hidden; every
 * module that reads these headers must define the same (fuzz/Sources/
 * CFuzzGit2 does), or Clang finds the modules' structs different. */
#define GIT_DEPRECATE_HARD
#include <git2.h>
#include <git2/sys/alloc.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#endif

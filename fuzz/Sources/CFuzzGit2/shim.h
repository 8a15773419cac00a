// The libgit2 calls the tree target makes itself: writing raw tree bytes
// into an in-memory object database, which WritKit never does. The
// headers are read as WritKit's own module map reads them (deprecated
// names hidden), or Clang finds the two modules' structs different.
#define GIT_DEPRECATE_HARD
#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

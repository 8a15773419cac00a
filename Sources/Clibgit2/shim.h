#ifndef WRIT_CLIBGIT2_SHIM_H
#define WRIT_CLIBGIT2_SHIM_H

#define GIT_DEPRECATE_HARD
#include <git2.h>

/// `git_libgit2_opts` is variadic, which Swift cannot call; these wrappers
/// expose the few options writ sets.
static inline int writ_git_set_owner_validation(int enabled) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled);
}

#endif

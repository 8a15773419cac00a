#include "CWritGit.h"

int writ_backend_foreach(git_odb_backend *backend, git_odb_foreach_cb callback, void *payload) {
    if (backend == NULL || backend->foreach == NULL) return -1;
    return backend->foreach(backend, callback, payload);
}

void writ_backend_free(git_odb_backend *backend) {
    if (backend != NULL && backend->free != NULL) backend->free(backend);
}

#include "pg/shmem.hpp"

#include "pg/host_limit_shmem.hpp"
#include "pg/settings.hpp"

extern "C" {
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
}

namespace realmap::pg {

namespace {

EngineShared *shared = nullptr;
shmem_request_hook_type prev_shmem_request_hook = nullptr;
shmem_startup_hook_type prev_shmem_startup_hook = nullptr;

Size shared_size() {
    return add_size(offsetof(EngineShared, workers),
                    mul_size(sizeof(WorkerSlot), static_cast<Size>(setting_max_workers)));
}

void request_shmem() {
    if (prev_shmem_request_hook) prev_shmem_request_hook();
    RequestAddinShmemSpace(shared_size());
    RequestAddinShmemSpace(host_limit_shmem_size());
}

// Runs in the postmaster at start and after every crash restart: the state starts
// empty, and `recovered` tells the launcher to recover the attempts of the workers
// that died with the previous incarnation.
void startup_shmem() {
    if (prev_shmem_startup_hook) prev_shmem_startup_hook();
    bool found = false;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    shared = static_cast<EngineShared *>(ShmemInitStruct("realmap engine", shared_size(), &found));
    if (!found) {
        memset(shared, 0, shared_size());
        SpinLockInit(&shared->mutex);
        shared->max_workers = setting_max_workers;
    }
    host_limit_shmem_init();
    LWLockRelease(AddinShmemInitLock);
}

}  // namespace

void install_shmem_hooks() {
    prev_shmem_request_hook = shmem_request_hook;
    shmem_request_hook = request_shmem;
    prev_shmem_startup_hook = shmem_startup_hook;
    shmem_startup_hook = startup_shmem;
}

EngineShared *engine_shared() { return shared; }

namespace {
void wake(bool launcher_too) {
    if (shared == nullptr) return;
    PGPROC *procs[64 + 1];
    int n = 0;
    bool slot_free = false;
    SpinLockAcquire(&shared->mutex);
    for (int i = 0; i < shared->max_workers && n < 64; i++) {
        if (shared->workers[i].pid == 0) slot_free = true;
        if (shared->workers[i].pid > 0 && shared->workers[i].proc != nullptr) procs[n++] = shared->workers[i].proc;
    }
    if (launcher_too && slot_free && shared->launcher_proc != nullptr) procs[n++] = shared->launcher_proc;
    SpinLockRelease(&shared->mutex);
    for (int i = 0; i < n; i++) SetLatch(&procs[i]->procLatch);
}
}  // namespace

void wake_workers() { wake(false); }

void wake_for_ready_work() { wake(true); }

void note_deadline(TimestampTz when) {
    if (shared == nullptr) return;
    PGPROC *launcher = nullptr;
    SpinLockAcquire(&shared->mutex);
    if (shared->next_deadline == 0 || when < shared->next_deadline) {
        shared->next_deadline = when;
        launcher = shared->launcher_proc;
    }
    SpinLockRelease(&shared->mutex);
    if (launcher != nullptr) SetLatch(&launcher->procLatch);
}

void wake_waiters(int64 run_id) {
    if (shared == nullptr) return;
    PGPROC *procs[kMaxWaiters];
    int n = 0;
    SpinLockAcquire(&shared->mutex);
    for (int i = 0; i < kMaxWaiters; i++)
        if (shared->waiters[i].pid != 0 && shared->waiters[i].run_id == run_id)
            procs[n++] = shared->waiters[i].proc;
    SpinLockRelease(&shared->mutex);
    for (int i = 0; i < n; i++) SetLatch(&procs[i]->procLatch);
}

}  // namespace realmap::pg

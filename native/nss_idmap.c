// Id-mapped mount trees for an OCI container with its own user namespace (the runtime's --hardened mode): the
// image's files are owned by the host's root, and the container's root is an unprivileged id outside. These run
// in the runtime (ordinary libc code), never in the child of clone.
#define _GNU_SOURCE
#include "nss_idmap.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

int nss_idmapped_tree(const char *path, int userns_fd, int recursive)
{
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
    if (tree < 0) return -errno;
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd};
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0) {
        int err = errno;
        close(tree);
        return -err;
    }
    return tree;
}

// The effective capabilities raised to the permitted ones again on this thread (a switch of fsuid away from 0
// drops the file-system ones, and the overlay keeps the creator's credentials for its copy-ups).
static int raise_effective(void)
{
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) < 0) return -errno;
    data[0].effective = data[0].permitted;
    data[1].effective = data[1].permitted;
    return syscall(SYS_capset, &header, data) < 0 ? -errno : 0;
}

static int fail(int *fds, int count, int fs, int step, int err, int *failed_step)
{
    for (int i = 0; i < count; i++)
        if (fds[i] >= 0) close(fds[i]);
    if (fs >= 0) close(fs);
    *failed_step = step;
    return -err;
}

int nss_idmapped_overlay(const struct nss_overlay_req *req, int *failed_step)
{
    if (req->lower_count == 0 || req->lower_count > NSS_OVERLAY_MAX_LOWERS) return fail(0, 0, -1, NSS_OVL_STEP_LOWER, EINVAL, failed_step);
    int fds[NSS_OVERLAY_MAX_LOWERS + 3];
    int count = 0;
    for (uint32_t i = 0; i < req->lower_count; i++) {
        int fd = nss_idmapped_tree(req->lowers[i], req->userns_fd, 0);
        if (fd < 0) return fail(fds, count, -1, NSS_OVL_STEP_LOWER + (int)i * NSS_OVL_STEP_STRIDE, -fd, failed_step);
        fds[count++] = fd;
    }
    int fs = -1;
    if (req->upper_parent) {
        // upper and work must be on one mount: their common parent is mapped once.
        int parent = nss_idmapped_tree(req->upper_parent, req->userns_fd, 0);
        if (parent < 0) return fail(fds, count, -1, NSS_OVL_STEP_UPPER, -parent, failed_step);
        fds[count++] = parent;
        int upper = openat(parent, req->upper, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (upper < 0) return fail(fds, count, -1, NSS_OVL_STEP_UPPER, errno, failed_step);
        fds[count++] = upper;
        int work = openat(parent, req->work, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (work < 0) return fail(fds, count, -1, NSS_OVL_STEP_WORK, errno, failed_step);
        fds[count++] = work;
    }
    fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
    if (fs < 0) return fail(fds, count, -1, NSS_OVL_STEP_OPEN, errno, failed_step);
    for (uint32_t i = 0; i < req->lower_count; i++)
        if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_FD, "lowerdir+", NULL, fds[i]) < 0)
            return fail(fds, count, fs, NSS_OVL_STEP_LOWER + (int)i * NSS_OVL_STEP_STRIDE, errno, failed_step);
    if (req->upper_parent) {
        if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_FD, "upperdir", NULL, fds[req->lower_count + 1]) < 0)
            return fail(fds, count, fs, NSS_OVL_STEP_UPPER, errno, failed_step);
        if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_FD, "workdir", NULL, fds[req->lower_count + 2]) < 0)
            return fail(fds, count, fs, NSS_OVL_STEP_WORK, errno, failed_step);
    }
    for (uint32_t i = 0; i < req->option_count; i++) {
        const char *key = req->option_keys[i], *value = req->option_values[i];
        long rc = value ? syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, value, 0)
                        : syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, key, NULL, 0);
        if (rc < 0) return fail(fds, count, fs, NSS_OVL_STEP_OPTION + (int)i * NSS_OVL_STEP_STRIDE, errno, failed_step);
    }
    // The overlay works on its layers with its creator's credentials: as the container's root outside (through
    // the id-mapped layers that is the layers' own root again), with the runtime's capabilities. Only this
    // thread's fsuid and fsgid change, and only for the superblock's creation.
    int old_gid = setfsgid(req->root_gid), old_uid = setfsuid(req->root_uid);
    int rc = raise_effective();
    if (rc == 0 && syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) rc = -errno;
    setfsuid((uid_t)old_uid);
    setfsgid((gid_t)old_gid);
    if (rc < 0) return fail(fds, count, fs, NSS_OVL_STEP_CREATE, -rc, failed_step);
    int mount = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
    int err = errno;
    for (int i = 0; i < count; i++) close(fds[i]);
    close(fs);
    if (mount < 0) {
        *failed_step = NSS_OVL_STEP_MOUNT;
        return -err;
    }
    return mount;
}

// Id-mapped mount trees the OCI runtime makes for a container with its own user namespace (nss_idmap.c);
// mirrored by src/NsSandbox.Linux/Interop/Shim.Idmap.cs.
#pragma once
#include <stdint.h>

// open_tree(OPEN_TREE_CLONE) of path, id-mapped through the user namespace userns_fd. Returns the detached
// tree's descriptor, or -errno.
int nss_idmapped_tree(const char *path, int userns_fd, int recursive);

#define NSS_OVERLAY_MAX_LOWERS 500
// What failed, for the message: a step, plus the index of the layer or option times NSS_OVL_STEP_STRIDE.
#define NSS_OVL_STEP_STRIDE 16
enum nss_ovl_step {
    NSS_OVL_STEP_LOWER = 1, NSS_OVL_STEP_UPPER, NSS_OVL_STEP_WORK, NSS_OVL_STEP_OPEN, NSS_OVL_STEP_OPTION,
    NSS_OVL_STEP_CREATE, NSS_OVL_STEP_MOUNT,
};

struct nss_overlay_req {
    int32_t userns_fd;
    uint32_t root_uid, root_gid; // the container's root outside: the overlay's creator works as it
    uint32_t lower_count;
    const char *const *lowers;   // top first, as overlay's lowerdir
    const char *upper_parent;    // NULL for a read-only overlay; else the directory holding upper and work
    const char *upper, *work;    // names inside upper_parent
    uint32_t option_count, reserved;
    const char *const *option_keys;
    const char *const *option_values; // NULL for a flag
};

// A new overlay over id-mapped copies of the layers (overlayfs itself cannot be id-mapped), as a detached mount.
// Returns its descriptor, or -errno with *failed_step set.
int nss_idmapped_overlay(const struct nss_overlay_req *req, int *failed_step);

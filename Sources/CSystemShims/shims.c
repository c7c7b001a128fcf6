#define _GNU_SOURCE 1
#include "CSystemShims.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

int jido_renameat_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
    return renameat2(olddirfd, oldpath, newdirfd, newpath, RENAME_NOREPLACE);
}

int jido_ofd_lock_range(int fd, int kind, long long start, long long length, int wait) {
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = kind == 0 ? F_UNLCK : (kind == 2 ? F_WRLCK : F_RDLCK);
    fl.l_whence = SEEK_SET;
    fl.l_start = (off_t)start;
    fl.l_len = (off_t)length;
    return fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
}

int jido_ofd_locked(int fd, long long start, long long length) {
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = (off_t)start;
    fl.l_len = (off_t)length;
    if (fcntl(fd, F_OFD_GETLK, &fl) != 0) return -1;
    return fl.l_type == F_UNLCK ? 0 : 1;
}

ssize_t jido_getrandom(void *buf, size_t len) {
    return getrandom(buf, len, 0);
}

int jido_o_path(void) {
#ifdef O_PATH
    return O_PATH;
#else
    return 0;
#endif
}

int jido_flock(int fd, int operation) {
    return flock(fd, operation);
}

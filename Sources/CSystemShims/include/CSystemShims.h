#ifndef JIDO_CSYSTEMSHIMS_H
#define JIDO_CSYSTEMSHIMS_H
/* Thin wrappers for the Linux calls that Swift's Glibc module does not expose without
 * _GNU_SOURCE. Each returns what the underlying call returns and leaves errno as it set it. */
#include <stddef.h>
#include <sys/types.h>

/* renameat2(olddirfd, oldpath, newdirfd, newpath, RENAME_NOREPLACE). */
int jido_renameat_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);

/* fcntl(fd, F_OFD_SETLK / F_OFD_SETLKW) on bytes [start, start + length): kind 0 unlock, 1 shared,
 * 2 exclusive. Open-file-description locks: released when the last descriptor of the description
 * closes, never by closing an unrelated descriptor of the same file; independent of flock(2) locks. */
int jido_ofd_lock_range(int fd, int kind, long long start, long long length, int wait);

/* Whether another open file description holds a lock on any byte of [start, start + length) of fd's
 * file (length 0: to the end of the file and beyond): 1 yes, 0 no, -1 with errno set (F_OFD_GETLK). */
int jido_ofd_locked(int fd, long long start, long long length);

/* flock(fd, operation): Swift's Glibc module cannot name the function (struct flock shadows it). */
int jido_flock(int fd, int operation);

/* getrandom(buf, len, 0), looping is the caller's job. */
ssize_t jido_getrandom(void *buf, size_t len);

/* The value of O_PATH (a descriptor that only references the inode), or 0 where the platform has none. */
int jido_o_path(void);

#endif

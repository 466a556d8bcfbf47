#define _GNU_SOURCE
#include "CSpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Child only: tells the parent which step failed and with which errno, then exits. */
static void child_fail(int status_fd, int step) {
    int message[2] = {step, errno};
    ssize_t written;
    do {
        written = write(status_fd, message, sizeof message);
    } while (written < 0 && errno == EINTR);
    _exit(127);
}

/* Child only: every descriptor from 3 up closes at exec (the status pipe too, which is how the parent learns
   that exec succeeded). close_range needs Linux 5.11 for CLOSE_RANGE_CLOEXEC; older kernels get a loop. */
static void child_cloexec_from_3(void) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
#endif
    struct rlimit limit;
    long maximum = 1024;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) maximum = (long)limit.rlim_cur;
    if (maximum > 65536) maximum = 65536;
    for (int fd = 3; fd < maximum; fd++) {
        int flags = fcntl(fd, F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC)) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

static void child_default_signals(void) {
    struct sigaction action = {0};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    for (int number = 1; number < NSIG; number++) {
        if (number == SIGKILL || number == SIGSTOP) continue;
        if (sigaction(number, &action, NULL) != 0) {
            /* glibc refuses its internal real-time signals (32, 33), which an ignored disposition inherited from
               our parent can still hold: the kernel call with an all-zero struct (SIG_DFL, no flags, empty mask,
               whatever the architecture's layout) resets them. */
            unsigned long kernel_action[4] = {0, 0, 0, 0};
            syscall(SYS_rt_sigaction, number, kernel_action, NULL, (size_t)8);
        }
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

pid_t cspawn_start(const char *path, char *const argv[], char *const envp[], int stdin_fd, int stdout_fd,
                   int stderr_fd, int *failed_step) {
    *failed_step = CSPAWN_STEP_NONE;
    int status_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) != 0) {
        *failed_step = CSPAWN_STEP_PIPE;
        return -1;
    }
    pid_t parent = getpid();
    /* No signal handler of ours may run in the child before its dispositions are reset. */
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    pid_t pid = fork();
    if (pid == 0) {
        close(status_pipe[0]);
        if (setpgid(0, 0) != 0) child_fail(status_pipe[1], CSPAWN_STEP_SETPGID);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(status_pipe[1], CSPAWN_STEP_PDEATHSIG);
        /* The parent may have died between fork and prctl: then nobody would ever send the signal. */
        if (getppid() != parent) {
            errno = ESRCH;
            child_fail(status_pipe[1], CSPAWN_STEP_PARENT_GONE);
        }
        child_default_signals();
        if (dup2(stdin_fd, 0) < 0 || dup2(stdout_fd, 1) < 0 || dup2(stderr_fd, 2) < 0) {
            child_fail(status_pipe[1], CSPAWN_STEP_STDIO);
        }
        child_cloexec_from_3();
        execve(path, argv, envp);
        child_fail(status_pipe[1], CSPAWN_STEP_EXEC);
    }
    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    close(status_pipe[1]);
    if (pid < 0) {
        close(status_pipe[0]);
        *failed_step = CSPAWN_STEP_FORK;
        errno = fork_errno;
        return -1;
    }
    (void)setpgid(pid, pid); /* also from this side, so the group exists when we return; EACCES after exec */

    int message[2];
    ssize_t got;
    do {
        got = read(status_pipe[0], message, sizeof message);
    } while (got < 0 && errno == EINTR);
    close(status_pipe[0]);
    if (got == (ssize_t)sizeof message) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *failed_step = message[0];
        errno = message[1];
        return -1;
    }
    return pid; /* end of file: execve closed the pipe */
}

int cspawn_wait_exited(pid_t pid) {
    siginfo_t info;
    int rc;
    do {
        rc = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT);
    } while (rc != 0 && errno == EINTR);
    return rc;
}

int cspawn_reap(pid_t pid, int *exited, int *code) {
    int status = 0;
    pid_t rc;
    do {
        rc = waitpid(pid, &status, 0);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) return -1;
    if (WIFEXITED(status)) {
        *exited = 1;
        *code = WEXITSTATUS(status);
    } else {
        *exited = 0;
        *code = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    }
    return 0;
}

int cspawn_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

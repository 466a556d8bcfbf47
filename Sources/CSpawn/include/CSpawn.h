#ifndef CSPAWN_H
#define CSPAWN_H
/* Starting a supervised child process on Linux, with what posix_spawn cannot do: a parent-death signal. */
#include <sys/types.h>

/* The step of starting a child that failed (cspawn_start's *failed_step). */
enum cspawn_step {
    CSPAWN_STEP_NONE = 0,
    CSPAWN_STEP_PIPE = 1,       /* creating the status pipe, in the parent */
    CSPAWN_STEP_FORK = 2,       /* fork(), in the parent */
    CSPAWN_STEP_SETPGID = 3,    /* making a process group of its own */
    CSPAWN_STEP_PDEATHSIG = 4,  /* prctl(PR_SET_PDEATHSIG) */
    CSPAWN_STEP_PARENT_GONE = 5,/* the parent died before the death signal was armed */
    CSPAWN_STEP_STDIO = 6,      /* dup2() of stdin, stdout, stderr */
    CSPAWN_STEP_EXEC = 7,       /* execve() */
};

/* Starts `path` with `argv` and `envp` (NULL-terminated; no PATH search) and returns its pid once execve succeeded,
   or -1 with errno and *failed_step set.

   In the child, between fork and exec, using only async-signal-safe calls: a process group of its own (so the
   whole group can be signalled), PR_SET_PDEATHSIG = SIGKILL (so it dies with the thread that started it, even
   after kill -9 of the parent), a check that the parent is still alive after arming it, default signal
   dispositions and an empty signal mask (ignored signals would otherwise survive exec), stdin/stdout/stderr from
   the given descriptors, and every other descriptor closed at exec.

   The death signal fires when the *thread* that called this exits: call it from a thread that lives as long as
   the child. */
pid_t cspawn_start(const char *path, char *const argv[], char *const envp[], int stdin_fd, int stdout_fd,
                   int stderr_fd, int *failed_step);

/* pipe2(fds, O_CLOEXEC): both ends close on exec. Returns 0, or -1 with errno. */
int cspawn_pipe(int fds[2]);

/* Blocks until `pid` (a child) has exited, without reaping it, so its pid cannot be reused while a signal may
   still be sent to it. Returns 0, or -1 with errno. */
int cspawn_wait_exited(pid_t pid);

/* Reaps `pid`. On success returns 0 and sets *exited to 1 with *code the exit status, or *exited to 0 with *code
   the signal that ended it. Returns -1 with errno on failure. */
int cspawn_reap(pid_t pid, int *exited, int *code);
#endif

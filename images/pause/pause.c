/*
 * nodelet's pod infra ("pause") process. It holds the pod's namespaces open, sleeps until
 * SIGTERM or SIGINT and then exits 0. As PID 1 of a shared PID namespace
 * (shareProcessNamespace) it also reaps orphaned children so they never stay zombies.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested = 0;

static void on_stop(int sig) {
  (void)sig;
  stop_requested = 1;
}

static void reap(int sig) {
  (void)sig;
  int saved = errno;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    printf("nodelet-pause 1.0\n");
    return 0;
  }
  if (getpid() != 1) {
    fprintf(stderr, "nodelet-pause: warning: not PID 1, zombies of other processes are not reaped\n");
  }

  struct sigaction stop = {0};
  stop.sa_handler = on_stop;
  sigemptyset(&stop.sa_mask);
  if (sigaction(SIGTERM, &stop, NULL) != 0 || sigaction(SIGINT, &stop, NULL) != 0) {
    perror("sigaction");
    return 1;
  }

  struct sigaction child = {0};
  child.sa_handler = reap;
  sigemptyset(&child.sa_mask);
  child.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  if (sigaction(SIGCHLD, &child, NULL) != 0) {
    perror("sigaction");
    return 1;
  }

  while (!stop_requested) {
    pause();
  }
  return 0;
}

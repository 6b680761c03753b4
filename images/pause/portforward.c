/*
 * nodelet's port-forward relay: what CRI's PortForward does (containerd: netns.Do + dial
 * localhost; dockershim: nsenter + socat), as one small static program.
 *
 *   portforward [-n NETNS_PATH] [-d NAME] [-t TOKEN] PORT
 *   portforward -k TOKEN
 *
 * Optionally enters the network namespace at NETNS_PATH (setns, needs CAP_SYS_ADMIN), connects
 * to 127.0.0.1:PORT, then to [::1]:PORT if that fails (tried one after the other, as containerd
 * does), and relays stdin -> socket and socket -> stdout until both directions are done.
 *
 * Status lines on stderr, each written with a single write():
 *   "ok"                  connected; relaying starts.
 *   "eof N"               the socket reached EOF, N bytes were written to stdout and stdout is
 *                         closed. Lets a reader whose transport cannot carry a close of stdout
 *                         alone (a multiplexed `docker exec` stream) end its side after N bytes.
 *   anything else         an error, e.g. `failed to connect to localhost:8080 inside namespace
 *                         "NAME": connect: connection refused`; the program then exits 1.
 * Half-close: EOF on stdin -> shutdown(SHUT_WR) on the socket; EOF on the socket -> close stdout.
 * Exits 0 once both directions are done; 1 on any error; 2 on a usage error.
 *
 * `-t TOKEN` only marks the process, so that `portforward -k TOKEN`, run in the same PID
 * namespace, can SIGKILL it: a `docker exec` whose client went away is not stopped by the engine,
 * and a relay whose pod never closes its side would otherwise stay forever. The token is unique
 * per connection, so a recycled PID is never hit.
 * Data moves with splice() through a pipe (no copy to user space), or with 256 KiB read()/write()
 * where an fd does not support splice.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK (256 * 1024)

static int port;
static int sock = -1;

/* One status line on stderr in a single write(), so lines never interleave. */
static void status(const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
  line[n++] = '\n';
  ssize_t w;
  do {
    w = write(2, line, (size_t)n);
  } while (w < 0 && errno == EINTR);
}

/* strerror in Go's style ("connection refused"), as the kubelet's runtimes report it. */
static const char *errtext(int err, char *buf, size_t size) {
  snprintf(buf, size, "%s", strerror(err));
  if (buf[0] != '\0' && !(buf[1] != '\0' && isupper((unsigned char)buf[1]))) buf[0] = (char)tolower((unsigned char)buf[0]);
  return buf;
}

static int dial(int family, int *err) {
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = errno;
    return -1;
  }
  struct sockaddr_in v4 = {0};
  struct sockaddr_in6 v6 = {0};
  struct sockaddr *addr;
  socklen_t len;
  if (family == AF_INET) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons((unsigned short)port);
    v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr = (struct sockaddr *)&v4;
    len = sizeof v4;
  } else {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons((unsigned short)port);
    v6.sin6_addr = in6addr_loopback;
    addr = (struct sockaddr *)&v6;
    len = sizeof v6;
  }
  if (connect(fd, addr, len) != 0) {
    *err = errno;
    close(fd);
    return -1;
  }
  int one = 1;
  /* Like Go's net.Dial: small writes (request/response protocols) are not held back. */
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/* True when an IPv6 failure only says the namespace has no IPv6 loopback. */
static int no_ipv6(int err) {
  return err == EAFNOSUPPORT || err == EADDRNOTAVAIL || err == ENETUNREACH || err == EPROTONOSUPPORT;
}

static int write_all(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += w;
    n -= (size_t)w;
  }
  return 0;
}

struct pump {
  int in, out;
  const char *from, *to; /* for error messages */
  unsigned long long bytes;
};

/* Fails the whole relay: one error line, exit 1 (the other direction dies with the process). */
static void fail(struct pump *p, const char *op, int err) {
  char e[256];
  status("%s %s: %s", op, op[0] == 'r' ? p->from : p->to, errtext(err, e, sizeof e));
  _exit(1);
}

/* Moves what a pipe holds (n bytes) to out with read()/write(): out does not take splice. */
static void drain(struct pump *p, int pipe_r, size_t n, char *buf) {
  while (n > 0) {
    ssize_t r = read(pipe_r, buf, n < CHUNK ? n : CHUNK);
    if (r < 0) {
      if (errno == EINTR) continue;
      fail(p, "read", errno);
    }
    if (write_all(p->out, buf, (size_t)r) != 0) fail(p, "write", errno);
    p->bytes += (unsigned long long)r;
    n -= (size_t)r;
  }
}

static void copy_rw(struct pump *p, char *buf) {
  for (;;) {
    ssize_t r = read(p->in, buf, CHUNK);
    if (r == 0) return;
    if (r < 0) {
      if (errno == EINTR) continue;
      fail(p, "read", errno);
    }
    if (write_all(p->out, buf, (size_t)r) != 0) fail(p, "write", errno);
    p->bytes += (unsigned long long)r;
  }
}

/* Copies in -> out until EOF on in; exits the program on an error. */
static void pump_run(struct pump *p) {
  static __thread char *buf;
  if (buf == NULL && (buf = malloc(CHUNK)) == NULL) fail(p, "read", ENOMEM);
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    copy_rw(p, buf);
    return;
  }
  fcntl(pipefd[1], F_SETPIPE_SZ, CHUNK); /* best effort; the default 64 KiB works too */
  int in_splice = 1, out_splice = 1;
  for (;;) {
    ssize_t n;
    if (in_splice) {
      n = splice(p->in, NULL, pipefd[1], NULL, CHUNK, SPLICE_F_MOVE);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EINVAL) {
        in_splice = 0;
        continue;
      }
      if (n < 0) fail(p, "read", errno);
      if (n == 0) break;
    } else {
      /* in does not take splice: read() into the buffer, then write it out. */
      n = read(p->in, buf, CHUNK);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail(p, "read", errno);
      if (n == 0) break;
      if (write_all(p->out, buf, (size_t)n) != 0) fail(p, "write", errno);
      p->bytes += (unsigned long long)n;
      continue;
    }
    size_t left = (size_t)n;
    while (left > 0 && out_splice) {
      ssize_t m = splice(pipefd[0], NULL, p->out, NULL, left, SPLICE_F_MOVE);
      if (m < 0 && errno == EINTR) continue;
      if (m < 0 && errno == EINVAL) {
        out_splice = 0;
        break;
      }
      if (m < 0) fail(p, "write", errno);
      left -= (size_t)m;
      p->bytes += (unsigned long long)m;
    }
    if (left > 0) drain(p, pipefd[0], left, buf);
  }
  close(pipefd[0]);
  close(pipefd[1]);
}

static struct pump down; /* socket -> stdout */

static void *download(void *arg) {
  (void)arg;
  pump_run(&down);
  /* The reader sees EOF on stdout; "eof N" tells a multiplexed transport where it is. */
  close(1);
  status("eof %llu", down.bytes);
  return NULL;
}

static void usage(void) {
  status("usage: portforward [-n NETNS_PATH] [-d NAME] [-t TOKEN] PORT | portforward -k TOKEN");
  _exit(2);
}

/* True when /proc/PID/cmdline has the arguments "-t" TOKEN. */
static int has_token(const char *pid, const char *token) {
  char path[300], args[4096];
  snprintf(path, sizeof path, "/proc/%s/cmdline", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, args, sizeof args - 1);
  close(fd);
  if (n <= 0) return 0;
  args[n] = '\0';
  const char *prev = NULL;
  for (const char *a = args; a < args + n; a += strlen(a) + 1) {
    if (prev != NULL && strcmp(prev, "-t") == 0 && strcmp(a, token) == 0) return 1;
    prev = a;
  }
  return 0;
}

/* -k TOKEN: SIGKILLs the relays started with -t TOKEN; exits 0 when one was found. */
static int kill_token(const char *token) {
  DIR *proc = opendir("/proc");
  if (proc == NULL) {
    char e[256];
    status("cannot read /proc: %s", errtext(errno, e, sizeof e));
    return 1;
  }
  int found = 0;
  struct dirent *d;
  while ((d = readdir(proc)) != NULL) {
    if (!isdigit((unsigned char)d->d_name[0]) || atoi(d->d_name) == getpid()) continue;
    if (has_token(d->d_name, token) && kill(atoi(d->d_name), SIGKILL) == 0) found = 1;
  }
  closedir(proc);
  return found ? 0 : 1;
}

int main(int argc, char **argv) {
  const char *netns = NULL;
  const char *name = NULL;
  int opt;
  while ((opt = getopt(argc, argv, "n:d:t:k:")) != -1) {
    if (opt == 'n') netns = optarg;
    else if (opt == 'd') name = optarg;
    else if (opt == 't') continue; /* a mark for -k only */
    else if (opt == 'k') return kill_token(optarg);
    else usage();
  }
  if (optind != argc - 1) usage();
  char *end;
  long p = strtol(argv[optind], &end, 10);
  if (*argv[optind] == '\0' || *end != '\0' || p < 1 || p > 65535) usage();
  port = (int)p;
  if (name == NULL) name = netns != NULL ? netns : "current";
  signal(SIGPIPE, SIG_IGN); /* a gone reader is EPIPE, reported, not a silent death */

  char e4[256], e6[256];
  if (netns != NULL) {
    int fd = open(netns, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
      status("failed to enter network namespace \"%s\": %s", netns, errtext(errno, e4, sizeof e4));
      return 1;
    }
    close(fd);
  }

  int err4 = 0, err6 = 0;
  sock = dial(AF_INET, &err4);
  if (sock < 0) sock = dial(AF_INET6, &err6);
  if (sock < 0) {
    errtext(err4, e4, sizeof e4);
    if (no_ipv6(err6) || err6 == err4) {
      status("failed to connect to localhost:%d inside namespace \"%s\": connect: %s", port, name, e4);
    } else {
      status("failed to connect to localhost:%d inside namespace \"%s\": IPv4: connect: %s, IPv6: connect: %s", port, name, e4,
             errtext(err6, e6, sizeof e6));
    }
    return 1;
  }
  status("ok");

  char target[64];
  snprintf(target, sizeof target, "localhost:%d", port);
  down = (struct pump){.in = sock, .out = 1, .from = target, .to = "stdout"};
  struct pump up = {.in = 0, .out = sock, .from = "stdin", .to = target};
  pthread_t t;
  if (pthread_create(&t, NULL, download, NULL) != 0) {
    status("cannot start the relay thread");
    return 1;
  }
  pump_run(&up);
  shutdown(sock, SHUT_WR); /* half-close: the server reads EOF, the other direction goes on */
  pthread_join(t, NULL);
  return 0;
}

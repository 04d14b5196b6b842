/*
 * ike-probe: the IKE probe program, put into each agent as /tmp/tunnelwatch-ike-probe-<hash> and
 * run by its exec batch (or, for an agent that cannot take it, the whole carrier image
 * tunnelwatch/ike-probe). A static x86_64 Linux program with no libc: raw syscalls only, so it is
 * one self-contained file and the build needs no host-specific files. Its bytes are committed (ike-probe-binary.ts); `npm run build:ike-probe`
 * rebuilds them from this source with gcc, and a unit test checks the two match.
 *
 * Usage: ike-probe WAIT_MS [ID IPV4 PORT HEX]...
 *   WAIT_MS  1..60000, how long to wait for each reply after sending its request.
 *   ID       [a-z0-9-]{1,32}, echoed in the output line.
 *   IPV4     dotted quad; PORT 500 or 4500; HEX the datagram to send, lower-case, <= 2048 bytes.
 * The datagrams are built by tunnelwatch (ike-sa-init-request.ts); this program only sends each one
 * from a connected UDP socket, all at once, and waits for the replies with poll(2).
 *
 * Output, one line per target, written when its outcome is known:
 *   <id> answered <rtt µs> <reply hex, at most 2048 bytes>
 *   <id> refused <rtt µs>        ICMP port unreachable (ECONNREFUSED on the connected socket)
 *   <id> timeout
 *   <id> error <reason>          bad input, or a socket call failed (reason names the errno)
 *   - error <reason>             input that cannot be tied to an id
 *   - end                        the last line, once every target has its line
 * Exit status 0, or 2 when WAIT_MS is malformed (nothing sent, no end line).
 *
 * Or: ike-probe --carry NAME   (NAME [a-z0-9-]{1,15})
 *   The long-lived carrier (the fallback for an agent that cannot take the file): names itself NAME
 *   (what /proc/PID/comm shows) and sleeps until killed, in the agent's network and PID namespaces;
 *   each sweep execs this same program in it.
 */

#define MAX_TARGETS 1024
#define MAX_REQUEST 2048
#define MAX_REPLY_SHOWN 2048
#define RECV_BUFFER 65536
#define MAX_ID 32

typedef unsigned long u64;
typedef long i64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

#define SYS_write 1
#define SYS_close 3
#define SYS_poll 7
#define SYS_socket 41
#define SYS_connect 42
#define SYS_sendto 44
#define SYS_recvfrom 45
#define SYS_clock_gettime 228
#define SYS_exit_group 231
#define SYS_pause 34
#define SYS_prctl 157
#define PR_SET_NAME 15

#define AF_INET 2
#define SOCK_DGRAM 2
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#define POLLIN 1
#define POLLERR 8
#define POLLHUP 16
#define CLOCK_MONOTONIC 1
#define EINTR 4
#define EAGAIN 11
#define ECONNREFUSED 111

static i64 syscall6(i64 n, i64 a, i64 b, i64 c, i64 d, i64 e, i64 f) {
  i64 ret;
  register i64 r10 __asm__("r10") = d;
  register i64 r8 __asm__("r8") = e;
  register i64 r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
#define SYS3(n, a, b, c) syscall6(n, (i64)(a), (i64)(b), (i64)(c), 0, 0, 0)

/* gcc may emit calls to these even with -ffreestanding. */
void *memset(void *d, int c, u64 n) {
  u8 *p = d;
  while (n--) *p++ = (u8)c;
  return d;
}
void *memcpy(void *d, const void *s, u64 n) {
  u8 *p = d;
  const u8 *q = s;
  while (n--) *p++ = *q++;
  return d;
}

struct sockaddr_in {
  u16 family;
  u16 port; /* network order */
  u32 addr; /* network order */
  u8 zero[8];
};
struct pollfd {
  int fd;
  short events;
  short revents;
};
struct timespec {
  i64 sec;
  i64 nsec;
};

struct target {
  char id[MAX_ID + 1];
  int fd;
  i64 sent_ns;
};

static struct target targets[MAX_TARGETS];
static struct pollfd pfds[MAX_TARGETS];
static u8 request[MAX_REQUEST];
static u8 reply[RECV_BUFFER];
/* The longest line: id, outcome, rtt, hex of MAX_REPLY_SHOWN bytes. */
static char line[MAX_ID + 64 + 2 * MAX_REPLY_SHOWN];

static i64 now_ns(void) {
  struct timespec ts;
  SYS3(SYS_clock_gettime, CLOCK_MONOTONIC, &ts, 0);
  return ts.sec * 1000000000L + ts.nsec;
}

static void write_all(const char *p, u64 n) {
  while (n > 0) {
    i64 w = SYS3(SYS_write, 1, p, n);
    if (w == -EINTR) continue;
    if (w <= 0) return; /* stdout gone: nobody to tell */
    p += w;
    n -= (u64)w;
  }
}

/* A tiny line builder: append string, append unsigned decimal, append hex, flush. */
static u64 at;
static void put(const char *s) {
  while (*s && at < sizeof line - 1) line[at++] = *s++;
}
static void put_u(u64 v) {
  char digits[24];
  int n = 0;
  do digits[n++] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  while (n > 0 && at < sizeof line - 1) line[at++] = digits[--n];
}
static void put_hex(const u8 *p, u64 n) {
  static const char x[] = "0123456789abcdef";
  for (u64 i = 0; i < n && at + 2 < sizeof line - 1; i++) {
    line[at++] = x[p[i] >> 4];
    line[at++] = x[p[i] & 15];
  }
}
static void end_line(void) {
  line[at++] = '\n';
  write_all(line, at);
  at = 0;
}

static const char *errno_name(i64 e) {
  switch (e) {
    case 1: return "EPERM";
    case 13: return "EACCES";
    case 22: return "EINVAL";
    case 23: return "ENFILE";
    case 24: return "EMFILE";
    case 90: return "EMSGSIZE";
    case 97: return "EAFNOSUPPORT";
    case 99: return "EADDRNOTAVAIL";
    case 100: return "ENETDOWN";
    case 101: return "ENETUNREACH";
    case 105: return "ENOBUFS";
    case 111: return "ECONNREFUSED";
    case 113: return "EHOSTUNREACH";
    default: return 0;
  }
}

static void report_error(const char *id, const char *what, i64 err) {
  put(id);
  put(" error ");
  put(what);
  if (err != 0) {
    const char *name = errno_name(err);
    put(" ");
    if (name) put(name);
    else {
      put("errno-");
      put_u((u64)err);
    }
  }
  end_line();
}

static int valid_id(const char *s) {
  int n = 0;
  for (; s[n]; n++) {
    char c = s[n];
    if (n >= MAX_ID || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return 0;
  }
  return n > 0;
}

/* Strict dotted quad: four decimal octets of 1..3 digits, each <= 255; the result in network order. */
static int parse_ipv4(const char *s, u32 *out) {
  u32 value = 0;
  for (int part = 0; part < 4; part++) {
    u32 octet = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9') {
      if (++digits > 3) return 0;
      octet = octet * 10 + (u32)(*s++ - '0');
    }
    if (digits == 0 || octet > 255) return 0;
    value |= octet << (8 * part); /* first octet in the lowest byte = network order on x86 */
    if (part < 3 && *s++ != '.') return 0;
  }
  if (*s) return 0;
  *out = value;
  return 1;
}

static int parse_port(const char *s, u16 *out) {
  const char *a = "500", *b = "4500";
  int i;
  for (i = 0; a[i] && s[i] == a[i]; i++) {}
  if (!a[i] && !s[i]) return *out = 500, 1;
  for (i = 0; b[i] && s[i] == b[i]; i++) {}
  if (!b[i] && !s[i]) return *out = 4500, 1;
  return 0;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* Decodes lower-case hex into `request`; returns the byte count, 0 when malformed or too long. */
static u64 parse_hex(const char *s) {
  u64 n = 0;
  for (; s[0]; s += 2) {
    int hi = hex_digit(s[0]);
    int lo = s[1] ? hex_digit(s[1]) : -1;
    if (hi < 0 || lo < 0 || n >= MAX_REQUEST) return 0;
    request[n++] = (u8)(hi << 4 | lo);
  }
  return n;
}

/* Accepts 1..60000 written with 1..5 digits, nothing else. */
static int parse_wait_ms(const char *s, i64 *out) {
  i64 v = 0;
  int digits = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || ++digits > 5) return 0;
    v = v * 10 + (*s - '0');
  }
  if (digits == 0 || v < 1 || v > 60000) return 0;
  *out = v;
  return 1;
}

static u16 be16(u16 v) { return (u16)(v << 8 | v >> 8); }

/* Opens a connected UDP socket to ip:port and sends the datagram; on failure reports and returns -1. */
static int send_probe(const char *id, u32 ip, u16 port, u64 length) {
  i64 fd = SYS3(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return report_error(id, "socket", -fd), -1;
  struct sockaddr_in to;
  memset(&to, 0, sizeof to);
  to.family = AF_INET;
  to.port = be16(port);
  to.addr = ip;
  /* Connected, so only the peer's datagrams arrive and an ICMP port unreachable shows on recv. */
  i64 rc = SYS3(SYS_connect, fd, &to, sizeof to);
  if (rc < 0) return SYS3(SYS_close, fd, 0, 0), report_error(id, "connect", -rc), -1;
  rc = syscall6(SYS_sendto, fd, (i64)request, (i64)length, 0, 0, 0);
  if (rc != (i64)length) {
    SYS3(SYS_close, fd, 0, 0);
    report_error(id, "send", rc < 0 ? -rc : 0);
    return -1;
  }
  return (int)fd;
}

static int run(int argc, char **argv) {
  i64 wait_ms;
  if (argc < 2 || !parse_wait_ms(argv[1], &wait_ms)) {
    put("- error bad-timeout");
    end_line();
    return 2;
  }
  int count = 0;
  int i = 2;
  for (; i + 3 < argc; i += 4) {
    const char *id = argv[i];
    u32 ip;
    u16 port;
    if (!valid_id(id)) {
      put("- error bad-id");
      end_line();
      continue;
    }
    if (!parse_ipv4(argv[i + 1], &ip)) {
      report_error(id, "bad-ip", 0);
      continue;
    }
    if (!parse_port(argv[i + 2], &port)) {
      report_error(id, "bad-port", 0);
      continue;
    }
    u64 length = parse_hex(argv[i + 3]);
    if (length == 0) {
      report_error(id, "bad-hex", 0);
      continue;
    }
    if (count == MAX_TARGETS) {
      report_error(id, "too-many-targets", 0);
      continue;
    }
    int fd = send_probe(id, ip, port, length);
    if (fd < 0) continue;
    struct target *t = &targets[count];
    memcpy(t->id, id, MAX_ID + 1);
    t->fd = fd;
    t->sent_ns = now_ns();
    pfds[count].fd = fd;
    pfds[count].events = POLLIN;
    count++;
  }
  if (i < argc) {
    put("- error bad-args");
    end_line();
  }

  const i64 wait_ns = wait_ms * 1000000L;
  int pending = count;
  while (pending > 0) {
    i64 now = now_ns();
    i64 soonest = -1;
    for (int k = 0; k < count; k++) {
      if (pfds[k].fd < 0) continue;
      i64 left = targets[k].sent_ns + wait_ns - now;
      if (left <= 0) {
        put(targets[k].id);
        put(" timeout");
        end_line();
        SYS3(SYS_close, pfds[k].fd, 0, 0);
        pfds[k].fd = -1; /* poll ignores negative fds */
        pending--;
      } else if (soonest < 0 || left < soonest) {
        soonest = left;
      }
    }
    if (pending == 0) break;
    i64 ready = SYS3(SYS_poll, pfds, count, (soonest + 999999) / 1000000);
    if (ready == -EINTR || ready == 0) continue;
    if (ready < 0) {
      put("- error poll");
      end_line();
      break;
    }
    for (int k = 0; k < count; k++) {
      if (pfds[k].fd < 0 || !(pfds[k].revents & (POLLIN | POLLERR | POLLHUP))) continue;
      i64 n = syscall6(SYS_recvfrom, pfds[k].fd, (i64)reply, RECV_BUFFER, 0, 0, 0);
      if (n == -EAGAIN || n == -EINTR) continue;
      u64 rtt_us = (u64)(now_ns() - targets[k].sent_ns) / 1000;
      put(targets[k].id);
      if (n >= 0) {
        put(" answered ");
        put_u(rtt_us);
        if (n > 0) {
          put(" ");
          put_hex(reply, (u64)n < MAX_REPLY_SHOWN ? (u64)n : MAX_REPLY_SHOWN);
        }
        end_line();
      } else if (n == -ECONNREFUSED) {
        put(" refused ");
        put_u(rtt_us);
        end_line();
      } else {
        at = 0;
        report_error(targets[k].id, "recv", -n);
      }
      SYS3(SYS_close, pfds[k].fd, 0, 0);
      pfds[k].fd = -1;
      pending--;
    }
  }
  /* Tells the caller the run is complete without it asking for the exit status. */
  put("- end");
  end_line();
  return 0;
}

static int str_eq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

static int valid_carrier_name(const char *s) {
  int n = 0;
  for (; s[n]; n++) {
    char c = s[n];
    if (n == 15 || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return 0;
  }
  return n > 0;
}

static int carry(const char *name) {
  if (!valid_carrier_name(name)) {
    put("- error bad-carrier-name");
    end_line();
    return 2;
  }
  SYS3(SYS_prctl, PR_SET_NAME, name, 0);
  for (;;) SYS3(SYS_pause, 0, 0, 0); /* SIGTERM / SIGKILL end it: nothing to clean up */
}

/* The kernel enters here with argc at (%rsp) and argv just above it. */
__attribute__((used)) void ike_probe_start(i64 *stack) {
  int argc = (int)stack[0];
  char **argv = (char **)(stack + 1);
  int status = argc == 3 && str_eq(argv[1], "--carry") ? carry(argv[2]) : run(argc, argv);
  SYS3(SYS_exit_group, status, 0, 0);
  for (;;) {}
}

__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "  xor %rbp, %rbp\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call ike_probe_start\n"
        "  hlt\n");

/*
 * ike-probe: the IKE probe program, put into each agent as /tmp/tunnelwatch-ike-probe-<hash> and
 * run by its exec batch (or, for an agent that cannot take it, the whole carrier image
 * tunnelwatch/ike-probe). A static x86_64 Linux program with no libc: raw syscalls only, so it is
 * one self-contained file and the build needs no host-specific files. Its bytes are committed (ike-probe-binary.ts); `npm run build:ike-probe`
 * rebuilds them from this source with gcc, and a unit test checks the two match.
 *
 * Usage: ike-probe WAIT_MS TEMPLATE [ID IPV4 PORT STAMP]...
 *   WAIT_MS  1..60000, how long to wait for each reply after sending its request.
 *   TEMPLATE the IKE message every request is made from, lower-case hex, 44..2048 bytes.
 *   ID       [a-z0-9-]{1,32}, echoed in the output line.
 *   IPV4     dotted quad; PORT 500 or 4500.
 *   STAMP    lower-case hex, 8 + N bytes (16 <= N <= template - 28): the first 8 replace the
 *            template's first 8 (the initiator SPI), the other N its last N (the nonce, which ends
 *            the message). On port 4500 the request goes out behind the 4-byte non-ESP marker.
 * The template is built by tunnelwatch (ike-sa-init-request.ts) and every request differs from it
 * only in SPI and nonce, so those alone travel per target: the exec's argv for 200 peers is a
 * seventh of what whole datagrams made it. This program only stamps and sends each request from a
 * connected UDP socket, all at once, and waits for the replies with poll(2).
 *
 * Output, one line per target, written when its outcome is known:
 *   <id> answered <rtt µs> <reply hex, at most 2048 bytes>
 *   <id> refused <rtt µs>        ICMP port unreachable (ECONNREFUSED on the connected socket)
 *   <id> timeout
 *   <id> error <reason>          bad input, or a socket call failed (reason names the errno)
 *   - error <reason>             input that cannot be tied to an id
 *   - end                        the last line, once every target has its line
 * Exit status 0, or 2 when WAIT_MS or TEMPLATE is malformed (nothing sent, no end line).
 *
 * Or: ike-probe --icmp NONCE [ID IPV4 SIZE COUNT INTERVAL TIMEOUT]...
 *   The exec batch's pings, all from this one process instead of one BusyBox ping each (a process
 *   and two result files per ping were most of a sweep's CPU on the host). Per target: COUNT (1..999)
 *   ICMP echo requests of SIZE (16..9000) payload bytes to IPV4, one every INTERVAL seconds (digits,
 *   up to 3 decimals, < 100), then up to TIMEOUT (1..99) seconds for the replies still missing, as
 *   BusyBox ping -c -i -W -s does. All targets run at once from one ICMP socket (an unprivileged
 *   ping socket, else a raw one), replies matched by sequence number and source. When a target is
 *   done its result goes to stdout as the batch's own job block (NONCE: the batch's, [a-z0-9]{1,64}):
 *     @@tw-NONCE job ID 0 / BusyBox ping's words / (empty line) / @@tw-NONCE end ID
 *   so the batch's parser and the ping parsers read it unchanged. Exit 0; 2 when NONCE is malformed.
 *
 * Or: ike-probe --carry NAME   (NAME [a-z0-9-]{1,15})
 *   The long-lived carrier (the fallback for an agent that cannot take the file): names itself NAME
 *   (what /proc/PID/comm shows) and sleeps until killed, in the agent's network and PID namespaces;
 *   each sweep execs this same program in it.
 */

#define MAX_TARGETS 1024
#define MAX_REQUEST 2048
#define NON_ESP_MARKER 4
#define SPI_BYTES 8
#define MIN_NONCE 16
#define IKE_HEADER 28
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
#define SYS_setsockopt 54
#define SYS_recvmsg 47
#define SYS_getpid 39
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
#define EACCES 13
#define EPERM 1
#define SOCK_RAW 3
#define IPPROTO_ICMP 1
#define IPPROTO_IP 0
#define IP_RECVTTL 12
#define IP_TTL 2
#define MSG_DONTWAIT 0x40

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
static u8 template[MAX_REQUEST];
/* The request being sent: room for the non-ESP marker before a whole template. */
static u8 request[NON_ESP_MARKER + MAX_REQUEST];
static u8 stamp[MAX_REQUEST];
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

/* Appending to a fixed buffer, always leaving room for a last byte; what does not fit is dropped.
   Both outputs use it: the IKE result lines and the ping reports. */
static void append_s(char *buf, u64 cap, u64 *at, const char *s) {
  while (*s && *at < cap - 1) buf[(*at)++] = *s++;
}
static void append_u(char *buf, u64 cap, u64 *at, u64 v) {
  char digits[24];
  int n = 0;
  do digits[n++] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  while (n > 0 && *at < cap - 1) buf[(*at)++] = digits[--n];
}

/* A tiny line builder: append string, append unsigned decimal, append hex, flush. */
static u64 at;
static void put(const char *s) { append_s(line, sizeof line, &at, s); }
static void put_u(u64 v) { append_u(line, sizeof line, &at, v); }
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

/* Decodes lower-case hex into `out` (MAX_REQUEST bytes); returns the byte count, 0 when malformed or too long. */
static u64 parse_hex(const char *s, u8 *out) {
  u64 n = 0;
  for (; s[0]; s += 2) {
    int hi = hex_digit(s[0]);
    int lo = s[1] ? hex_digit(s[1]) : -1;
    if (hi < 0 || lo < 0 || n >= MAX_REQUEST) return 0;
    out[n++] = (u8)(hi << 4 | lo);
  }
  return n;
}

/*
 * Builds the request for one target in `request`: the template with the stamp's SPI at its start and
 * the stamp's nonce at its end, behind the non-ESP marker on port 4500. Returns the datagram's
 * length, 0 when the stamp does not fit the template.
 */
static u64 stamp_request(u64 template_length, u64 stamp_length, u16 port) {
  if (stamp_length < SPI_BYTES + MIN_NONCE) return 0;
  u64 nonce_length = stamp_length - SPI_BYTES;
  /* The nonce must not reach into the header. */
  if (nonce_length > template_length - IKE_HEADER) return 0;
  u64 at = port == 4500 ? NON_ESP_MARKER : 0;
  memset(request, 0, at);
  memcpy(request + at, template, template_length);
  memcpy(request + at, stamp, SPI_BYTES);
  memcpy(request + at + template_length - nonce_length, stamp + SPI_BYTES, nonce_length);
  return at + template_length;
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
  u64 template_length = argc < 3 ? 0 : parse_hex(argv[2], template);
  if (template_length < IKE_HEADER + MIN_NONCE) {
    put("- error bad-template");
    end_line();
    return 2;
  }
  int count = 0;
  int i = 3;
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
    u64 length = stamp_request(template_length, parse_hex(argv[i + 3], stamp), port);
    if (length == 0) {
      report_error(id, "bad-stamp", 0);
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

/* ---- --icmp: every ping of the batch from one process ---- */

#define MAX_ICMP_TARGETS 4096
#define MAX_PACKETS 65535 /* the 16-bit sequence number is the packet's index, across all targets */
#define MAX_PAYLOAD 9000

struct icmp_target {
  char id[MAX_ID + 1];
  u32 ip;
  char ip_text[16];
  u32 size, count, sent, received;
  i64 interval_ns, timeout_ns, next_ns, last_sent_ns;
  u32 first; /* its packets are first .. first + count - 1 */
  int done;
  const char *error_call; /* the call that failed: socket or sendto */
  const char *error;      /* why, in ping's words */
};

static struct icmp_target itargets[MAX_ICMP_TARGETS];
static u32 packet_target[MAX_PACKETS];
static i64 packet_sent_ns[MAX_PACKETS];
static u32 packet_rtt_us[MAX_PACKETS]; /* 0xffffffff: no reply (yet) */
static u8 packet_ttl[MAX_PACKETS];
static u8 packet_out[8 + MAX_PAYLOAD];
static u8 packet_in[60 + 8 + MAX_PAYLOAD + 64];
/* One target's result file: a line per reply plus the summary. */
static char report[1000 * 80 + 1024];
static u64 report_at;

struct iovec {
  void *base;
  u64 len;
};
struct msghdr {
  void *name;
  u32 namelen;
  struct iovec *iov;
  u64 iovlen;
  void *control;
  u64 controllen;
  int flags;
};
struct cmsghdr {
  u64 len;
  int level;
  int type;
};

static void rput(const char *s) { append_s(report, sizeof report, &report_at, s); }
static void rput_u(u64 v) { append_u(report, sizeof report, &report_at, v); }
/* Microseconds as milliseconds with three decimals, as BusyBox prints times. */
static void rput_ms(u64 us) {
  rput_u(us / 1000);
  rput(".");
  u64 frac = us % 1000;
  if (frac < 100) rput("0");
  if (frac < 10) rput("0");
  rput_u(frac);
}

/* Digits with up to 3 decimals, below 100 (BusyBox's -i text): ns. */
static int parse_seconds(const char *s, i64 *out) {
  i64 whole = 0, frac = 0;
  int digits = 0, decimals = 0;
  for (; *s >= '0' && *s <= '9'; s++) {
    if (++digits > 2) return 0;
    whole = whole * 10 + (*s - '0');
  }
  if (digits == 0) return 0;
  if (*s == '.') {
    for (s++; *s >= '0' && *s <= '9'; s++) {
      if (++decimals > 3) return 0;
      frac = frac * 10 + (*s - '0');
    }
    if (decimals == 0) return 0;
  }
  if (*s) return 0;
  while (decimals++ < 3) frac *= 10;
  *out = whole * 1000000000L + frac * 1000000L;
  return 1;
}

/* A decimal of 1..max_digits digits within lo..hi. */
static int parse_uint(const char *s, int max_digits, u32 lo, u32 hi, u32 *out) {
  u32 v = 0;
  int digits = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || ++digits > max_digits) return 0;
    v = v * 10 + (u32)(*s - '0');
  }
  if (digits == 0 || v < lo || v > hi) return 0;
  *out = v;
  return 1;
}

/* The batch's nonce: it goes into the job markers the batch's parser looks for. */
static int valid_nonce(const char *s) {
  int n = 0;
  for (; s[n]; n++) {
    char c = s[n];
    if (n >= 64 || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return 0;
  }
  return n > 0;
}

static u16 checksum(const u8 *p, u64 n) {
  u32 sum = 0;
  for (u64 i = 0; i + 1 < n; i += 2) sum += (u32)(p[i] | p[i + 1] << 8);
  if (n & 1) sum += p[n - 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (u16)~sum;
}

static const char *nonce_arg;

/* Writes the target's job block to stdout in one write (stdout is the batch's file). */
static void write_report(struct icmp_target *t) {
  report_at = 0;
  rput("@@tw-");
  rput(nonce_arg);
  rput(" job ");
  rput(t->id);
  rput(" 0\n");
  rput("PING ");
  rput(t->ip_text);
  rput(" (");
  rput(t->ip_text);
  rput("): ");
  rput_u(t->size);
  rput(" data bytes\n");
  u64 min = (u64)-1, max = 0, sum = 0;
  for (u32 k = 0; k < t->sent; k++) {
    u32 rtt = packet_rtt_us[t->first + k];
    if (rtt == 0xffffffffu) continue;
    if (rtt < min) min = rtt;
    if (rtt > max) max = rtt;
    sum += rtt;
    rput_u(t->size + 8);
    rput(" bytes from ");
    rput(t->ip_text);
    rput(": seq=");
    rput_u(k);
    rput(" ttl=");
    rput_u(packet_ttl[t->first + k]);
    rput(" time=");
    rput_ms(rtt);
    rput(" ms\n");
  }
  if (t->error) {
    /* BusyBox stops at a failed send and prints no statistics. */
    rput("ping: ");
    rput(t->error_call);
    rput(": ");
    rput(t->error);
    rput("\n");
  } else {
    rput("\n--- ");
    rput(t->ip_text);
    rput(" ping statistics ---\n");
    rput_u(t->sent);
    rput(" packets transmitted, ");
    rput_u(t->received);
    rput(" packets received, ");
    rput_u(t->sent == 0 ? 0 : (u64)(t->sent - t->received) * 100 / t->sent);
    rput("% packet loss\n");
    if (t->received > 0) {
      rput("round-trip min/avg/max = ");
      rput_ms(min);
      rput("/");
      rput_ms(sum / t->received);
      rput("/");
      rput_ms(max);
      rput(" ms\n");
    }
  }
  rput("\n@@tw-");
  rput(nonce_arg);
  rput(" end ");
  rput(t->id);
  rput("\n");
  write_all(report, report_at);
}

static const char *send_error(i64 e) {
  switch (e) {
    case 101: return "Network is unreachable";
    case 113: return "No route to host";
    case 1: return "Operation not permitted";
    case 90: return "Message too long";
    default: return "send failed";
  }
}

static int icmp(int argc, char **argv) {
  if (argc < 3 || !valid_nonce(argv[2])) {
    put("- error bad-nonce");
    end_line();
    return 2;
  }
  nonce_arg = argv[2];
  int count = 0;
  u32 packets = 0;
  int i = 3;
  for (; i + 5 < argc; i += 6) {
    struct icmp_target *t = &itargets[count];
    const char *id = argv[i];
    if (!valid_id(id)) {
      put("- error bad-id");
      end_line();
      continue;
    }
    memset(t, 0, sizeof *t);
    if (!parse_ipv4(argv[i + 1], &t->ip) || !parse_uint(argv[i + 2], 4, 16, MAX_PAYLOAD, &t->size) ||
        !parse_uint(argv[i + 3], 3, 1, 999, &t->count) || !parse_seconds(argv[i + 4], &t->interval_ns) ||
        !parse_seconds(argv[i + 5], &t->timeout_ns) || t->timeout_ns < 1000000000L) {
      report_error(id, "bad-target", 0);
      continue;
    }
    if (count == MAX_ICMP_TARGETS || packets + t->count > MAX_PACKETS) {
      report_error(id, "too-many-targets", 0);
      continue;
    }
    memcpy(t->id, id, MAX_ID + 1);
    u64 k = 0;
    for (const char *p = argv[i + 1]; *p && k < 15; p++) t->ip_text[k++] = *p;
    t->ip_text[k] = 0;
    t->first = packets;
    for (u32 j = 0; j < t->count; j++) {
      packet_target[packets + j] = (u32)count;
      packet_rtt_us[packets + j] = 0xffffffffu;
    }
    packets += t->count;
    count++;
  }
  if (i < argc) {
    put("- error bad-args");
    end_line();
  }
  if (count == 0) return 0;

  /* An unprivileged ping socket (the kernel fills in the id and checksum and hands us only our
     replies), else a raw one (we do both, and skip other processes' replies by id). */
  int raw = 0;
  i64 fd = SYS3(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (fd < 0) {
    fd = SYS3(SYS_socket, AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
    raw = 1;
  }
  if (fd < 0) {
    for (int k = 0; k < count; k++) {
      itargets[k].error_call = "socket";
      itargets[k].error = "Operation not permitted";
      write_report(&itargets[k]);
    }
    return 0;
  }
  int one = 1;
  syscall6(SYS_setsockopt, fd, IPPROTO_IP, IP_RECVTTL, (i64)&one, sizeof one, 0);
  u16 ident = (u16)SYS3(SYS_getpid, 0, 0, 0);

  i64 start = now_ns();
  for (int k = 0; k < count; k++) itargets[k].next_ns = start;
  int pending = count;
  struct pollfd pfd;
  pfd.fd = (int)fd;
  pfd.events = POLLIN;
  while (pending > 0) {
    /* Send what is due, finish what is over, and find the next moment something happens. */
    i64 now = now_ns();
    i64 soonest = -1;
    for (int k = 0; k < count; k++) {
      struct icmp_target *t = &itargets[k];
      if (t->done) continue;
      while (!t->error && t->sent < t->count && t->next_ns <= now) {
        u32 seq = t->first + t->sent;
        memset(packet_out, 0, 8 + t->size);
        packet_out[0] = 8; /* echo request */
        packet_out[4] = (u8)(ident >> 8);
        packet_out[5] = (u8)ident;
        packet_out[6] = (u8)(seq >> 8);
        packet_out[7] = (u8)seq;
        for (u32 b = 0; b < t->size; b++) packet_out[8 + b] = (u8)b;
        if (raw) {
          u16 sum = checksum(packet_out, 8 + t->size);
          packet_out[2] = (u8)sum;
          packet_out[3] = (u8)(sum >> 8);
        }
        struct sockaddr_in to;
        memset(&to, 0, sizeof to);
        to.family = AF_INET;
        to.addr = t->ip;
        packet_sent_ns[seq] = now_ns();
        i64 rc = syscall6(SYS_sendto, fd, (i64)packet_out, 8 + t->size, 0, (i64)&to, sizeof to);
        if (rc == -EINTR || rc == -EAGAIN || rc == -105 /* ENOBUFS */) break; /* again next round */
        if (rc < 0) {
          t->error_call = "sendto";
          t->error = send_error(-rc);
          break;
        }
        t->sent++;
        t->last_sent_ns = packet_sent_ns[seq];
        t->next_ns = t->last_sent_ns + t->interval_ns;
      }
      int over = t->error || (t->sent == t->count && (t->received == t->count ||
                                                      now >= t->last_sent_ns + t->timeout_ns));
      if (over) {
        t->done = 1;
        pending--;
        write_report(t);
        continue;
      }
      i64 at = t->sent < t->count ? t->next_ns : t->last_sent_ns + t->timeout_ns;
      if (soonest < 0 || at < soonest) soonest = at;
    }
    if (pending == 0) break;
    i64 wait = soonest - now_ns();
    if (wait < 0) wait = 0;
    i64 ready = SYS3(SYS_poll, &pfd, 1, (wait + 999999) / 1000000);
    if (ready == -EINTR || ready <= 0) continue;
    /* Drain every reply waiting now, each timed as it is read. */
    for (;;) {
      char control[64];
      struct sockaddr_in from;
      struct iovec iov = {packet_in, sizeof packet_in};
      struct msghdr msg;
      memset(&msg, 0, sizeof msg);
      msg.name = &from;
      msg.namelen = sizeof from;
      msg.iov = &iov;
      msg.iovlen = 1;
      msg.control = control;
      msg.controllen = sizeof control;
      i64 n = SYS3(SYS_recvmsg, fd, &msg, MSG_DONTWAIT);
      if (n == -EINTR) continue;
      if (n < 0) break; /* EAGAIN: drained; an ICMP error on the socket: that packet is lost */
      i64 got = now_ns();
      const u8 *icmp_hdr = packet_in;
      i64 len = n;
      u8 ttl = 0;
      if (raw) {
        i64 ihl = (packet_in[0] & 15) * 4;
        if (len < ihl + 8) continue;
        ttl = packet_in[8];
        icmp_hdr += ihl;
        len -= ihl;
        if ((u16)(icmp_hdr[4] << 8 | icmp_hdr[5]) != ident) continue;
      }
      if (len < 8 || icmp_hdr[0] != 0 /* echo reply */) continue;
      u32 seq = (u32)(icmp_hdr[6] << 8 | icmp_hdr[7]);
      if (seq >= packets) continue;
      struct icmp_target *t = &itargets[packet_target[seq]];
      if (from.addr != t->ip || seq >= t->first + t->sent || packet_rtt_us[seq] != 0xffffffffu) continue;
      for (u64 off = 0; !raw && off + sizeof(struct cmsghdr) <= msg.controllen;) {
        struct cmsghdr *c = (struct cmsghdr *)(control + off);
        if (c->len < sizeof *c || off + c->len > msg.controllen) break;
        if (c->level == IPPROTO_IP && c->type == IP_TTL) ttl = *(u8 *)(c + 1);
        off += (c->len + 7) & ~7ul;
      }
      i64 rtt = (got - packet_sent_ns[seq]) / 1000;
      packet_rtt_us[seq] = (u32)(rtt < 0 ? 0 : rtt > 0xfffffffe ? 0xfffffffe : rtt);
      packet_ttl[seq] = ttl;
      t->received++;
    }
  }
  return 0;
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
  int status = argc == 3 && str_eq(argv[1], "--carry") ? carry(argv[2])
               : argc >= 2 && str_eq(argv[1], "--icmp")  ? icmp(argc, argv)
                                                         : run(argc, argv);
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

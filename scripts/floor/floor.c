// The machine's floor for the `echo` and `cluster-fanout` scenarios of socketio-bench: the same traffic
// shapes with no protocol at all, as small single-threaded C programs on blocking or epoll sockets.
// Whatever these cost in CPU and latency is what the kernel and the virtual machine charge for the
// syscalls and thread wake-ups; no server can go below it here. scripts/bench-floor.sh runs them.
//
//   floor echo-server PORT                       echo every read back on the same connection
//   floor echo-client PORT CONNECTIONS SECONDS   one 32-byte message in flight per connection
//   floor hub PORT SUBSCRIBERS                   Redis stand-in: forward the publisher's bytes to every subscriber
//   floor node PORT HUB_PORT CLIENTS PUBLISHER   node stand-in: deliver hub bytes (or, when PUBLISHER is 1,
//                                                the publisher's bytes, also sent to the hub) to every client
//   floor fan-client RECEIVERS BROADCASTS RATE PORT1 PORT2 PORT3
//                                                receivers round robin over the nodes, publisher on PORT1;
//                                                latency of every delivery from the publisher's write
//
// Every process gives up after 300 s (alarm) so nothing outlives a broken run.
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { MESSAGE_SIZE = 32, MAX_PEERS = 1024 };

static long long monotonic_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/// CPU time (user + system) this process has used, in microseconds.
static long long cpu_us(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000LL + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

static void no_delay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001)};
    return address;
}

static int listen_on(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = loopback(port);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) || listen(fd, MAX_PEERS)) {
        perror("listen");
        exit(1);
    }
    return fd;
}

static int accept_one(int listener) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) { perror("accept"); exit(1); }
    no_delay(fd);
    return fd;
}

/// Connects, retrying for up to 10 s while the peer starts.
static int connect_to(int port) {
    struct sockaddr_in address = loopback(port);
    for (int attempt = 0; attempt < 1000; attempt++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&address, sizeof address) == 0) { no_delay(fd); return fd; }
        close(fd);
        usleep(10000);
    }
    fprintf(stderr, "cannot connect to port %d\n", port);
    exit(1);
}

static void write_all(int fd, const char *bytes, size_t count) {
    while (count > 0) {
        ssize_t written = write(fd, bytes, count);
        if (written <= 0) exit(0);
        bytes += written;
        count -= (size_t)written;
    }
}

static int echo_server(int port) {
    int listener = listen_on(port);
    int poller = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(poller, EPOLL_CTL_ADD, listener, &event);
    struct epoll_event ready[64];
    char buffer[4096];
    for (;;) {
        int count = epoll_wait(poller, ready, 64, -1);
        for (int i = 0; i < count; i++) {
            int fd = ready[i].data.fd;
            if (fd == listener) {
                int client = accept_one(listener);
                struct epoll_event added = {.events = EPOLLIN, .data.fd = client};
                epoll_ctl(poller, EPOLL_CTL_ADD, client, &added);
                continue;
            }
            ssize_t got = read(fd, buffer, sizeof buffer);
            if (got <= 0) { close(fd); continue; }
            write_all(fd, buffer, (size_t)got);
        }
    }
    return 0;
}

static int echo_client(int port, int connections, double seconds) {
    if (connections > MAX_PEERS) connections = MAX_PEERS;
    int poller = epoll_create1(0);
    char message[MESSAGE_SIZE], buffer[4096];
    memset(message, 'x', sizeof message);
    for (int i = 0; i < connections; i++) {
        int fd = connect_to(port);
        struct epoll_event event = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(poller, EPOLL_CTL_ADD, fd, &event);
        write_all(fd, message, sizeof message);
    }
    long long start = monotonic_ns(), end = start + (long long)(seconds * 1e9);
    long echoes = 0;
    struct epoll_event ready[64];
    while (monotonic_ns() < end) {
        int count = epoll_wait(poller, ready, 64, 100);
        for (int i = 0; i < count; i++) {
            int fd = ready[i].data.fd;
            if (read(fd, buffer, sizeof buffer) <= 0) return 1;
            echoes++;
            write_all(fd, message, sizeof message);
        }
    }
    printf("echoes %ld seconds %.3f cpu_us %lld\n", echoes, (monotonic_ns() - start) / 1e9, cpu_us());
    return 0;
}

static int hub(int port, int subscribers) {
    if (subscribers > MAX_PEERS) subscribers = MAX_PEERS;
    int listener = listen_on(port);
    int subscriber[MAX_PEERS];
    for (int i = 0; i < subscribers; i++) subscriber[i] = accept_one(listener);
    int publisher = accept_one(listener);
    char buffer[4096];
    for (;;) {
        ssize_t got = read(publisher, buffer, sizeof buffer);
        if (got <= 0) { printf("cpu_us %lld\n", cpu_us()); return 0; }
        for (int i = 0; i < subscribers; i++) write_all(subscriber[i], buffer, (size_t)got);
    }
}

static int node(int port, int hub_port, int clients, int is_publisher_node) {
    if (clients > MAX_PEERS) clients = MAX_PEERS;
    int upstream = connect_to(hub_port);
    int listener = listen_on(port);
    int client[MAX_PEERS];
    for (int i = 0; i < clients; i++) client[i] = accept_one(listener);
    int source = is_publisher_node ? accept_one(listener) : upstream;
    char buffer[4096];
    for (;;) {
        ssize_t got = read(source, buffer, sizeof buffer);
        if (got <= 0) { printf("cpu_us %lld\n", cpu_us()); return 0; }
        if (is_publisher_node) write_all(upstream, buffer, (size_t)got);
        for (int i = 0; i < clients; i++) write_all(client[i], buffer, (size_t)got);
    }
}

static int compare_ns(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static int fan_client(int receivers, int broadcasts, int rate, const int ports[3]) {
    if (receivers > MAX_PEERS) receivers = MAX_PEERS;
    int poller = epoll_create1(0);
    // Receivers connect node by node (each node accepts its share before the publisher).
    for (int node_index = 0; node_index < 3; node_index++) {
        for (int i = node_index; i < receivers; i += 3) {
            int fd = connect_to(ports[node_index]);
            struct epoll_event event = {.events = EPOLLIN, .data.fd = fd};
            epoll_ctl(poller, EPOLL_CTL_ADD, fd, &event);
        }
    }
    usleep(200000);
    int publisher = connect_to(ports[0]);
    usleep(200000);
    long long *latency = malloc(sizeof(long long) * (size_t)receivers * (size_t)broadcasts);
    long measured = 0;
    long long interval = 1000000000LL / rate;
    char buffer[4096];
    struct epoll_event ready[256];
    for (int b = 0; b < broadcasts; b++) {
        long long sent = monotonic_ns();
        write_all(publisher, (const char *)&sent, sizeof sent);
        int delivered = 0;
        long long give_up = sent + 1000000000LL;
        while (delivered < receivers && monotonic_ns() < give_up) {
            int count = epoll_wait(poller, ready, 256, 100);
            for (int i = 0; i < count; i++) {
                ssize_t got = read(ready[i].data.fd, buffer, sizeof buffer);
                // Stamped after each read, as socketio-bench stamps each delivery it reads.
                long long now = monotonic_ns();
                for (ssize_t offset = 0; offset + 8 <= got; offset += 8) {
                    long long stamp;
                    memcpy(&stamp, buffer + offset, sizeof stamp);
                    latency[measured++] = now - stamp;
                    delivered++;
                }
            }
        }
        long long next = sent + interval;
        while (monotonic_ns() < next) usleep((useconds_t)((next - monotonic_ns()) / 1000));
    }
    if (measured == 0) return 1;
    qsort(latency, (size_t)measured, sizeof *latency, compare_ns);
    printf("deliveries %ld p50_us %lld p99_us %lld p999_us %lld max_us %lld cpu_us %lld\n", measured,
           latency[measured / 2] / 1000, latency[measured * 99 / 100] / 1000,
           latency[measured * 999 / 1000] / 1000, latency[measured - 1] / 1000, cpu_us());
    return 0;
}

int main(int argc, char **argv) {
    alarm(300);
    if (argc == 3 && strcmp(argv[1], "echo-server") == 0) return echo_server(atoi(argv[2]));
    if (argc == 5 && strcmp(argv[1], "echo-client") == 0) return echo_client(atoi(argv[2]), atoi(argv[3]), atof(argv[4]));
    if (argc == 4 && strcmp(argv[1], "hub") == 0) return hub(atoi(argv[2]), atoi(argv[3]));
    if (argc == 6 && strcmp(argv[1], "node") == 0) return node(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    if (argc == 8 && strcmp(argv[1], "fan-client") == 0) {
        int ports[3] = {atoi(argv[5]), atoi(argv[6]), atoi(argv[7])};
        return fan_client(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), ports);
    }
    fprintf(stderr, "usage: see the comment at the top of scripts/floor/floor.c\n");
    return 2;
}

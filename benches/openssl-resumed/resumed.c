/*
 * OpenSSL's resumed handshakes for strata-bench, over memory BIOs, one thread.
 *
 * Why C: a client resumes with SSL_set_session, which the openssl crate can only offer as
 * an `unsafe fn` (the session must come from the same SSL_CTX), and the Rust workspace
 * forbids unsafe code. This program does what the bench's Rust harness does for the other
 * stacks (benches/src/measure.rs, handshake_loop; benches/src/drive.rs), with OpenSSL's
 * own API:
 *
 *   - each handshake is a new client and a new server SSL over memory BIOs; the harness
 *     moves the bytes one side wrote to the other until neither has anything to say;
 *   - the client offers the session the previous handshake left it (TLS 1.3: the session
 *     of the one NewSessionTicket the server sends per handshake; TLS 1.2: the session ID),
 *     and both sides must report the handshake resumed, or the program fails;
 *   - each side's calls are timed separately (creating it, each step, freeing it).
 *
 * Usage: openssl-resumed 13|12 CA SERVER_CERT SERVER_KEY [CLIENT_CERT CLIENT_KEY]
 *   (DER files; keys PKCS#8) with `full` appended to measure full handshakes instead, as
 *   a check of this harness against the openssl crate's figures. It reads a line per
 *   repetition on stdin, a number of seconds, runs handshakes for that long, and prints
 *   "COUNT CPU_SECONDS WALL_SECONDS CLIENT_SECONDS SERVER_SECONDS"; it ends at end of
 *   input. Any failure prints a line starting "error:" on stdout and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#define SERVER_NAME "server.example"
#define MAX_FLIGHTS 16
#define WIRE_CAPACITY (64 * 1024)

static void fail(const char *what)
{
    unsigned long e = ERR_get_error();
    char reason[256] = "";
    if (e != 0)
        ERR_error_string_n(e, reason, sizeof reason);
    printf("error: %s%s%s\n", what, e != 0 ? ": " : "", reason);
    fflush(stdout);
    exit(1);
}

static double now(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A whole file, read into a buffer the caller frees. */
static unsigned char *read_file(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail(path);
    if (fseek(f, 0, SEEK_END) != 0 || (*len = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0)
        fail(path);
    unsigned char *bytes = malloc((size_t)*len);
    if (bytes == NULL || fread(bytes, 1, (size_t)*len, f) != (size_t)*len)
        fail(path);
    fclose(f);
    return bytes;
}

static void *decode_cert(const unsigned char **p, long len) { return d2i_X509(NULL, p, len); }

static void *decode_key(const unsigned char **p, long len)
{
    return d2i_AutoPrivateKey(NULL, p, len);
}

/* The DER object in the file at `path`, decoded by `decode`. */
static void *load(const char *path, void *(*decode)(const unsigned char **, long))
{
    long len;
    unsigned char *der = read_file(path, &len);
    const unsigned char *p = der;
    void *object = decode(&p, len);
    free(der);
    if (object == NULL)
        fail(path);
    return object;
}

static X509 *load_cert(const char *path) { return load(path, decode_cert); }

static EVP_PKEY *load_key(const char *path) { return load(path, decode_key); }

/* The session a client was last given (its new-session callback), taken by the next
 * client to offer it. */
static SSL_SESSION *offered;
/* Whether the client keeps sessions (not when measuring full handshakes). */
static int keeps_sessions;

/* What every handshake must negotiate, checked on both sides after it. */
static struct {
    int version;
    const char *suite;
    int client_auth;
} expected;

static void check(SSL *ssl, int is_server)
{
    const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
    if (SSL_version(ssl) != expected.version || cipher == NULL ||
        strcmp(SSL_CIPHER_get_name(cipher), expected.suite) != 0)
        fail("the version or suite negotiated is not the one set up");
    if (is_server && (SSL_get0_peer_certificate(ssl) != NULL) != expected.client_auth)
        fail("the server's view of the client certificate is not what was set up");
}

static int keep_session(SSL *ssl, SSL_SESSION *session)
{
    (void)ssl;
    SSL_SESSION_free(offered);
    offered = session;
    return 1; /* the reference is ours now */
}

/* The one suite of the bench's rows (AES-128-GCM, the server key's kind in TLS 1.2). */
static const char *suite(int tls13, int rsa)
{
    return tls13 ? "TLS_AES_128_GCM_SHA256"
                 : rsa ? "ECDHE-RSA-AES128-GCM-SHA256" : "ECDHE-ECDSA-AES128-GCM-SHA256";
}

static SSL_CTX *context(int tls13, int rsa, X509 *ca)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    if (ctx == NULL)
        fail("SSL_CTX_new");
    int version = tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
    if (!SSL_CTX_set_min_proto_version(ctx, version) ||
        !SSL_CTX_set_max_proto_version(ctx, version))
        fail("protocol version");
    if (tls13 ? !SSL_CTX_set_ciphersuites(ctx, suite(tls13, rsa))
              : !SSL_CTX_set_cipher_list(ctx, suite(tls13, rsa)))
        fail("suite");
    /* As the Rust harness: TLS 1.2 also offers P-256, for the ECDSA certificate's curve. */
    if (!SSL_CTX_set1_groups_list(ctx, tls13 ? "X25519" : "X25519:P-256"))
        fail("groups");
    if (!X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca))
        fail("CA");
    return ctx;
}

static void identity(SSL_CTX *ctx, const char *cert_path, const char *key_path)
{
    X509 *cert = load_cert(cert_path);
    EVP_PKEY *key = load_key(key_path);
    if (!SSL_CTX_use_certificate(ctx, cert) || !SSL_CTX_use_PrivateKey(ctx, key) ||
        !SSL_CTX_check_private_key(ctx))
        fail("identity");
    X509_free(cert);
    EVP_PKEY_free(key);
}

/* Moves what `from` wrote to `to`'s input; says whether there was anything. */
static int carry(SSL *from, SSL *to, unsigned char *wire)
{
    int moved = 0;
    BIO *out = SSL_get_wbio(from);
    BIO *in = SSL_get_rbio(to);
    int n;
    while ((n = BIO_read(out, wire, WIRE_CAPACITY)) > 0) {
        if (BIO_write(in, wire, n) != n)
            fail("BIO_write");
        moved = 1;
    }
    return moved;
}

/* One side's step: the handshake while it lasts, then reading (which processes a TLS 1.3
 * NewSessionTicket, and must find no application data). */
static void step(SSL *ssl, int *handshaking, const char *side)
{
    if (*handshaking) {
        int r = SSL_do_handshake(ssl);
        if (r == 1) {
            *handshaking = 0;
        } else if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ) {
            fail(side);
        }
    }
    if (!*handshaking) {
        unsigned char byte;
        int r = SSL_read(ssl, &byte, 1);
        if (r > 0 || SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ)
            fail(side);
    }
}

static SSL *endpoint(SSL_CTX *ctx)
{
    SSL *ssl = SSL_new(ctx);
    BIO *in = BIO_new(BIO_s_mem());
    BIO *out = BIO_new(BIO_s_mem());
    if (ssl == NULL || in == NULL || out == NULL)
        fail("SSL_new");
    SSL_set_bio(ssl, in, out);
    return ssl;
}

struct times {
    double client, server;
};

/* One handshake, each side's calls timed; `resumed` says what both sides must report. */
static void handshake(SSL_CTX *cctx, SSL_CTX *sctx, int resumed, unsigned char *wire,
                      struct times *times)
{
    double t = now(CLOCK_MONOTONIC);
    SSL *client = endpoint(cctx);
    SSL_set_connect_state(client);
    if (!SSL_set_tlsext_host_name(client, SERVER_NAME) ||
        !X509_VERIFY_PARAM_set1_host(SSL_get0_param(client), SERVER_NAME, 0))
        fail("server name");
    if (resumed) {
        if (offered == NULL || !SSL_set_session(client, offered))
            fail("no session to offer");
    }
    int client_handshaking = 1, server_handshaking = 1;
    step(client, &client_handshaking, "client");
    double u = now(CLOCK_MONOTONIC);
    SSL *server = endpoint(sctx);
    SSL_set_accept_state(server);
    double v = now(CLOCK_MONOTONIC);
    times->client += u - t;
    times->server += v - u;

    /* Moving the bytes counts as the receiving side's (the other harnesses time the copy
     * into a side's input and out of the sender's output as those sides' calls). */
    int flights = 0;
    for (;;) {
        double a = now(CLOCK_MONOTONIC);
        if (carry(client, server, wire)) {
            step(server, &server_handshaking, "server");
            times->server += now(CLOCK_MONOTONIC) - a;
        } else if (carry(server, client, wire)) {
            step(client, &client_handshaking, "client");
            times->client += now(CLOCK_MONOTONIC) - a;
        } else {
            break;
        }
        if (++flights > MAX_FLIGHTS)
            fail("the handshake stalled");
    }
    if (client_handshaking || server_handshaking)
        fail("the handshake did not complete");
    if (SSL_session_reused(client) != resumed || SSL_session_reused(server) != resumed)
        fail(!resumed                       ? "a full handshake resumed"
             : !SSL_session_reused(client) ? "a handshake did not resume on the client"
                                           : "a handshake did not resume on the server");
    if (keeps_sessions && offered == NULL)
        fail("the client was given no session");
    check(client, 0);
    check(server, 1);

    /* Freed as a connection that ended cleanly: SSL_free on one that did not marks its
     * session not resumable (and takes it out of the server's cache). Nothing is sent, as
     * the other stacks' connections are dropped without a close_notify. */
    double a = now(CLOCK_MONOTONIC);
    SSL_set_shutdown(client, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(client);
    double b = now(CLOCK_MONOTONIC);
    SSL_set_shutdown(server, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(server);
    times->client += b - a;
    times->server += now(CLOCK_MONOTONIC) - b;
}

int main(int argc, char **argv)
{
    int full = argc > 1 && strcmp(argv[argc - 1], "full") == 0;
    int args = argc - full;
    if ((args != 5 && args != 7) || (strcmp(argv[1], "13") != 0 && strcmp(argv[1], "12") != 0)) {
        fprintf(stderr, "usage: %s 13|12 CA SERVER_CERT SERVER_KEY [CLIENT_CERT CLIENT_KEY] [full]\n",
                argv[0]);
        return 2;
    }
    int tls13 = strcmp(argv[1], "13") == 0;
    int client_auth = args == 7;
    X509 *ca = load_cert(argv[2]);
    X509 *server_cert = load_cert(argv[3]);
    int rsa = X509_get0_pubkey(server_cert) != NULL &&
              EVP_PKEY_get_base_id(X509_get0_pubkey(server_cert)) == EVP_PKEY_RSA;
    X509_free(server_cert);

    expected.version = tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
    expected.suite = suite(tls13, rsa);
    expected.client_auth = client_auth;

    SSL_CTX *cctx = context(tls13, rsa, ca);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    if (client_auth)
        identity(cctx, argv[5], argv[6]);
    keeps_sessions = !full;
    if (!full) {
        /* The client keeps each session it is given, for the next handshake to offer. */
        SSL_CTX_set_session_cache_mode(cctx,
                                       SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(cctx, keep_session);
    }

    SSL_CTX *sctx = context(tls13, rsa, ca);
    identity(sctx, argv[3], argv[4]);
    if (client_auth) {
        SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
        STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
        if (names == NULL || !sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(ca))))
            fail("client CA names");
        SSL_CTX_set_client_CA_list(sctx, names);
    }
    static const unsigned char context_id[] = "strata-bench";
    if (!SSL_CTX_set_session_id_context(sctx, context_id, sizeof context_id - 1))
        fail("session ID context");
    if (full) {
        /* As the openssl crate harness's full handshakes: nothing to resume with. */
        SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
        if (!SSL_CTX_set_num_tickets(sctx, 0))
            fail("tickets");
    } else if (tls13) {
        /* Stateless tickets, one per handshake, as the other stacks' servers. */
        SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
        if (!SSL_CTX_set_num_tickets(sctx, 1))
            fail("tickets");
    } else {
        /* Resumption by session ID from the server's cache, no tickets. */
        SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_SERVER);
    }

    static unsigned char wire[WIRE_CAPACITY];
    struct times warm = {0, 0};
    handshake(cctx, sctx, 0, wire, &warm); /* leaves the first session */
    if (!full)
        handshake(cctx, sctx, 1, wire, &warm);

    char line[64];
    while (fgets(line, sizeof line, stdin) != NULL) {
        double seconds = strtod(line, NULL);
        struct times times = {0, 0};
        long count = 0;
        double wall = now(CLOCK_MONOTONIC);
        double cpu = now(CLOCK_THREAD_CPUTIME_ID);
        while (count == 0 || now(CLOCK_MONOTONIC) - wall < seconds) {
            handshake(cctx, sctx, !full, wire, &times);
            count++;
        }
        printf("%ld %.9f %.9f %.9f %.9f\n", count, now(CLOCK_THREAD_CPUTIME_ID) - cpu,
               now(CLOCK_MONOTONIC) - wall, times.client, times.server);
        fflush(stdout);
    }
    SSL_SESSION_free(offered);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    X509_free(ca);
    return 0;
}

/* Image write and read speed, beside the zstd and lz4 command-line tools
 * on the same bytes.
 *
 *   bench_image [DIR]     DIR (or $BENCH_DIR, $TMPDIR, /tmp) holds the
 *                         scratch files; $BENCH_IMAGE_MIB sets the size
 *                         (default 256).
 *
 * The memory is a realistic mix laid out in 1 MiB stretches, shuffled:
 * half pseudo-random bytes (incompressible, like encrypted or compressed
 * data), a quarter zero pages (untouched heap) and a quarter repeating
 * text: log-like lines from a few templates with changing numbers.
 *
 * write = writer open + add_memory + commit, including the fsyncs and the
 * rename (of a new file, not over an old image); read = image_open + image_read_memory + image_close into a
 * zeroed, already faulted-in buffer, from the page cache; the content is
 * compared outside the timing. MB/s are of logical data (the whole
 * buffer) per second, best of BENCH_RUNS. The CLI rows time
 * `TOOL -c raw > out && sync out` and `TOOL -d -c out > /dev/null`. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "snapshot/image.h"

#define MIB (1024.0 * 1024.0)
#define STRETCH (1u << 20)
#define BENCH_RUNS 3

struct result {
	const char *name;
	double write_s, read_s;        /* best of BENCH_RUNS; 0: not run */
	uint64_t size;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Log-like lines: a few dozen sentence templates with changing numbers,
 * the repeating text programs keep in memory (logs, messages, buffers). */
static void fill_text(uint8_t *p, size_t n, uint64_t *s)
{
	static const char *lines[] = {
		"connection from %u.%u.%u.%u accepted on port %u",
		"request %u completed in %u ms with status 200",
		"cache miss for key user:%u:profile, fetching from backend",
		"worker %u picked up job %u from the queue",
		"checkpoint of sandbox %u written: %u pages, %u chunks",
		"the quick brown fox jumps over the lazy dog %u times",
		"warning: retrying write to shard %u after %u ms",
		"session %u expired after %u seconds of inactivity",
		"GET /api/v1/items/%u?page=%u HTTP/1.1 from client %u",
		"allocated %u bytes for buffer pool %u (total %u)",
		"user %u logged in from terminal %u",
		"flushing %u dirty pages of file descriptor %u",
		"error: could not open /var/lib/app/data/%u.db: retry %u",
		"transaction %u committed, %u rows affected",
		"received signal %u, shutting down worker %u gracefully",
		"memory usage: rss=%u kB heap=%u kB stack=%u kB",
	};
	const size_t nlines = sizeof(lines) / sizeof(lines[0]);
	size_t i = 0;
	char line[256];
	while (i < n) {
		uint64_t r = rng_next(s);
		int len = snprintf(line, sizeof(line), "%u.%06u INFO ",
				   (unsigned)(r >> 40), (unsigned)(r % 1000000));
		len += snprintf(line + len, sizeof(line) - (size_t)len,
				lines[(r >> 20) % nlines], (unsigned)(r % 997),
				(unsigned)(r >> 8) % 65536, (unsigned)(r >> 30) % 256,
				(unsigned)(r >> 50), (unsigned)(r >> 13) % 100000);
		line[len++] = '\n';
		size_t take = (size_t)len < n - i ? (size_t)len : n - i;
		memcpy(p + i, line, take);
		i += take;
	}
}

static uint8_t *make_memory(size_t size)
{
	uint8_t *mem = malloc(size);
	size_t n = size / STRETCH;
	unsigned char *kind = malloc(n);
	uint64_t s = 0x243f6a8885a308d3ull;
	if (!mem || !kind)
		return NULL;
	for (size_t i = 0; i < n; i++)
		kind[i] = i % 4 < 2 ? 0 : (unsigned char)(i % 4 - 1);
	for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
		size_t j = rng_next(&s) % i;
		unsigned char t = kind[i - 1];
		kind[i - 1] = kind[j];
		kind[j] = t;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = mem + i * STRETCH;
		if (kind[i] == 0)
			for (size_t k = 0; k < STRETCH; k += 8) {
				uint64_t v = rng_next(&s);
				memcpy(p + k, &v, 8);
			}
		else if (kind[i] == 1)
			memset(p, 0, STRETCH);
		else
			fill_text(p, STRETCH, &s);
	}
	free(kind);
	return mem;
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static int bench_write(const char *path, const uint8_t *mem, size_t size,
		       const struct image_options *o, double *secs)
{
	struct image_writer *w;
	struct error err;
	double t0 = now();
	int rc = image_writer_open(&w, path, o, &err);
	if (rc == 0) {
		rc = image_writer_add_memory(w, 0, mem, size / IMAGE_PAGE_SIZE,
					     &err);
		if (rc == 0)
			rc = image_writer_commit(w, &err);
		else
			image_writer_abort(w);
	}
	*secs = now() - t0;
	if (rc < 0)
		fprintf(stderr, "bench_image: write: %s\n", err.msg);
	return rc;
}

static int bench_read(const char *path, uint8_t *dst, double *secs)
{
	struct image *img;
	struct error err;
	double t0 = now();
	int rc = image_open(&img, path, &err);
	if (rc == 0) {
		rc = image_read_memory(img, dst, 0, &err);
		image_close(img);
	}
	*secs = now() - t0;
	if (rc < 0)
		fprintf(stderr, "bench_image: read: %s\n", err.msg);
	return rc;
}

static int bench_snapctl(struct result *r, const char *path,
			 const uint8_t *mem, size_t size,
			 const struct image_options *o)
{
	uint8_t *dst = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (dst == MAP_FAILED)
		return -1;
	int rc = 0;
	for (int run = 0; rc == 0 && run < BENCH_RUNS; run++) {
		double ws, rs;
		if (run)
			memset(dst, 0, size);
		/* A fresh save: replacing a large image would add the time the
		 * filesystem takes to free the old one (~60 ms per 160 MB on
		 * ext4), which is not the writer's. */
		unlink(path);
		rc = bench_write(path, mem, size, o, &ws);
		if (rc == 0)
			rc = bench_read(path, dst, &rs);
		if (rc == 0 && memcmp(dst, mem, size)) {
			fprintf(stderr, "bench_image: %s: read back differs\n",
				r->name);
			rc = -1;
		}
		if (rc == 0) {
			if (!r->write_s || ws < r->write_s)
				r->write_s = ws;
			if (!r->read_s || rs < r->read_s)
				r->read_s = rs;
		}
	}
	r->size = file_size(path);
	munmap(dst, size);
	unlink(path);
	return rc;
}

static bool have_tool(const char *tool)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static double time_cmd(const char *cmd)
{
	double t0 = now();
	int rc = system(cmd);
	double t = now() - t0;
	if (rc != 0) {
		fprintf(stderr, "bench_image: failed: %s\n", cmd);
		return 0;
	}
	return t;
}

/* compress: "TOOL ARGS -c raw > out && sync out"; decompress to null. */
static void bench_cli(struct result *r, const char *tool, const char *args,
		      const char *raw, const char *out)
{
	char *c, *d;
	if (asprintf(&c, "%s %s -q -c '%s' > '%s' && sync '%s'", tool, args,
		     raw, out, out) < 0)
		return;
	if (asprintf(&d, "%s -d -q -c '%s' > /dev/null", tool, out) < 0) {
		free(c);
		return;
	}
	for (int run = 0; run < BENCH_RUNS; run++) {
		unlink(out); /* a fresh file, as for snapctl */
		double ws = time_cmd(c), rs = time_cmd(d);
		if (!ws || !rs) {
			r->write_s = r->read_s = 0;
			break;
		}
		if (!r->write_s || ws < r->write_s)
			r->write_s = ws;
		if (!r->read_s || rs < r->read_s)
			r->read_s = rs;
	}
	r->size = file_size(out);
	unlink(out);
	free(c);
	free(d);
}

static int dump_raw(const char *path, const uint8_t *mem, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	size_t done = 0;
	while (done < size) {
		ssize_t n = write(fd, mem + done, size - done);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	int rc = fsync(fd);
	close(fd);
	return rc;
}

static void print_row(const struct result *r, const struct result *cli,
		      size_t size)
{
	double mb = (double)size / 1e6;
	printf("%-22s %10.0f %10.0f %10.1f %7.2f", r->name, mb / r->write_s,
	       mb / r->read_s, (double)r->size / MIB,
	       (double)size / (double)r->size);
	if (cli && cli->write_s)
		printf("   %5.2fx %5.2fx", cli->write_s / r->write_s,
		       cli->read_s / r->read_s);
	printf("\n");
}

/* mine[1] is zstd-3 and mine[2] lz4, the rows with targets. */
static void print_table(const struct result *mine, const struct result *cli,
			size_t n, size_t size)
{
	printf("%-22s %10s %10s %10s %7s   %s\n", "method", "write MB/s",
	       "read MB/s", "size MiB", "ratio", "vs cli: write read");
	for (size_t i = 0; i < n; i++) {
		if (mine[i].write_s)
			print_row(&mine[i], cli[i].write_s ? &cli[i] : NULL,
				  size);
		if (cli[i].write_s)
			print_row(&cli[i], NULL, size);
	}
	if (mine[1].size && cli[1].size)
		printf("zstd-3 image %.1f MiB vs zstd -3 %.1f MiB: %+.2f%% "
		       "(target <= +1%%)\n", (double)mine[1].size / MIB,
		       (double)cli[1].size / MIB,
		       100.0 * ((double)mine[1].size / (double)cli[1].size - 1));
	if (mine[2].write_s && mine[2].read_s)
		printf("targets: lz4 write >= 1000 MB/s: %s, read >= 2000 "
		       "MB/s: %s\n",
		       (double)size / 1e6 / mine[2].write_s >= 1000 ? "met"
								  : "MISSED",
		       (double)size / 1e6 / mine[2].read_s >= 2000 ? "met"
								 : "MISSED");
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("BENCH_DIR");
	if (!dir)
		dir = getenv("TMPDIR");
	if (!dir)
		dir = "/tmp";
	const char *mib_env = getenv("BENCH_IMAGE_MIB");
	size_t mib = mib_env ? strtoul(mib_env, NULL, 10) : 256;
	size_t size = (mib ? mib : 256) * STRETCH;
	char img[4096], raw[4096], out[4096];
	snprintf(img, sizeof(img), "%s/bench_image.%d.snap", dir, getpid());
	snprintf(raw, sizeof(raw), "%s/bench_image.%d.raw", dir, getpid());
	snprintf(out, sizeof(out), "%s/bench_image.%d.out", dir, getpid());
	uint8_t *mem = make_memory(size);
	if (!mem)
		return 1;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	printf("image: %zu MiB (1/2 random, 1/4 zero pages, 1/4 log-like "
	       "text) in %s, %ld CPUs, best of %d\n", mib, dir, cpus,
	       BENCH_RUNS);
	printf("snapctl: write = open + add_memory + commit (fsync, rename), "
	       "read = open + read_memory, threads = CPUs\n"
	       "cli: write = TOOL ARGS -c raw > out && sync out, read = "
	       "TOOL -d -c out > /dev/null; zstd -T0 compresses on all CPUs, "
	       "lz4 has no threads\n");

	static const struct {
		const char *name, *tool, *args;
		struct image_options o;
	} cases[] = {
		{ "snapctl zstd-1", "zstd", "-1 -T0",
		  { .compression = IMAGE_COMPRESS_ZSTD, .level = 1 } },
		{ "snapctl zstd-3", "zstd", "-3 -T0",
		  { .compression = IMAGE_COMPRESS_ZSTD, .level = 3 } },
		{ "snapctl lz4", "lz4", "-1",
		  { .compression = IMAGE_COMPRESS_LZ4 } },
		{ "snapctl none", NULL, NULL,
		  { .compression = IMAGE_COMPRESS_NONE } },
	};
	const size_t ncases = sizeof(cases) / sizeof(cases[0]);
	struct result mine[4] = { { 0 } }, cli[4] = { { 0 } };
	char cli_names[4][64];
	int status = 0;
	bool raw_ok = dump_raw(raw, mem, size) == 0;
	for (size_t i = 0; i < ncases; i++) {
		mine[i].name = cases[i].name;
		if (bench_snapctl(&mine[i], img, mem, size, &cases[i].o) < 0)
			status = 1;
		if (!cases[i].tool || !raw_ok || !have_tool(cases[i].tool))
			continue;
		snprintf(cli_names[i], sizeof(cli_names[i]), "%s %s (cli)",
			 cases[i].tool, cases[i].args);
		cli[i].name = cli_names[i];
		bench_cli(&cli[i], cases[i].tool, cases[i].args, raw, out);
	}
	unlink(raw);
	free(mem);

	print_table(mine, cli, ncases, size);
	return status;
}

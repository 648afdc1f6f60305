/*
 * The configuration file: read with a size bound and validated before
 * anything uses it; written atomically (temporary file in the same
 * directory, fsync, rename, fsync of the directory) so that a crash at any
 * moment leaves either the old or the new file, never a mix.
 *
 * Thread: any; callers serialise saves to one path (vmknetd handles one
 * request at a time).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vmknet/config.h>

#include "common/error.h"
#include "lib/config_priv.h"

static int read_all(int fd, char *buf, size_t size, size_t *len)
{
	*len = 0;
	while (*len < size) {
		ssize_t n = read(fd, buf + *len, size - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return 0;
}

static int load_file(const char *path, struct vmk_config *out)
{
	struct stat st;
	size_t len;
	char *buf;
	int fd, ret;

	if (path == NULL || out == NULL)
		return vmk_err(-EINVAL, "no file name");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		vmk_err_set("%s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		vmk_err_set("%s: %s", path, strerror(-ret));
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		vmk_err_set("%s: not a regular file", path);
		goto close_fd;
	}
	if ((uint64_t)st.st_size > VMK_CONFIG_FILE_MAX) {
		ret = -E2BIG;
		vmk_err_set("%s: %lld bytes, larger than the limit of %u", path,
			 (long long)st.st_size, VMK_CONFIG_FILE_MAX);
		goto close_fd;
	}
	buf = malloc(VMK_CONFIG_FILE_MAX + 1);
	if (buf == NULL) {
		ret = vmk_err(-ENOMEM, "out of memory");
		goto close_fd;
	}
	ret = read_all(fd, buf, VMK_CONFIG_FILE_MAX + 1, &len);
	if (ret < 0) {
		vmk_err_set("%s: %s", path, strerror(-ret));
	} else {
		ret = cfg_from_json(buf, len, out);
		if (ret < 0)
			vmk_err_prefix(ret, "%s", path);
	}
	free(buf);
close_fd:
	close(fd);
	return ret;
}

int vmk_config_load_file(const char *path, struct vmk_config *out, char *err, size_t err_size)
{
	vmk_err_clear();
	return cfg_err_out(load_file(path, out), err, err_size);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char copy[PATH_MAX];
	int fd, ret = 0;

	if (strlen(path) >= sizeof(copy))
		return -ENAMETOOLONG;
	strcpy(copy, path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int save_file(const char *path, const struct vmk_config *cfg)
{
	char tmp[PATH_MAX];
	char *text = NULL;
	const char *step;
	int fd, ret;

	if (path == NULL || cfg == NULL)
		return vmk_err(-EINVAL, "no file name or configuration");
	ret = cfg_validate(cfg);
	if (ret < 0)
		return ret;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= sizeof(tmp))
		return vmk_err(-ENAMETOOLONG, "%s: path too long", path);
	ret = vmk_config_to_json(cfg, &text);
	if (ret < 0) {
		vmk_err_set("out of memory");
		return ret;
	}
#ifdef VMK_MUTANT_ATOMIC_SAVE   /* mutant: atomic config save: the file is rewritten in place */
	fd = open(strcpy(tmp, path), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
#else
	fd = mkostemp(tmp, O_CLOEXEC);   /* mode 0600 */
#endif
	if (fd < 0) {
		ret = -errno;
		step = "create temporary file";
		goto fail;
	}
	step = "write";
	ret = write_all(fd, text, strlen(text));
	if (ret == 0) {
		step = "fsync";
		ret = fsync(fd) < 0 ? -errno : 0;
	}
	if (close(fd) < 0 && ret == 0) {
		step = "close";
		ret = -errno;
	}
	if (ret == 0) {
		step = "rename";
		ret = rename(tmp, path) < 0 ? -errno : 0;
	}
	if (ret < 0) {
		unlink(tmp);
		goto fail;
	}
	free(text);
	/* The rename is durable only once the directory is. */
	ret = fsync_dir_of(path);
	if (ret < 0)
		vmk_err_set("%s: fsync of its directory: %s", path, strerror(-ret));
	return ret;

fail:
	vmk_err_set("%s: %s: %s", path, step, strerror(-ret));
	free(text);
	return ret;
}

int vmk_config_save_file(const char *path, const struct vmk_config *cfg,
			 char *err, size_t err_size)
{
	vmk_err_clear();
	return cfg_err_out(save_file(path, cfg), err, err_size);
}

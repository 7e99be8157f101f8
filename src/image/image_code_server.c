/* image_code_server.c — code-server built in a throwaway bookworm root by
 * mmdebstrap --format=null, whose last hook packs /usr/local into the
 * cache; see image_code_server.h.
 *
 * A plain `npm install -g code-server` does not work here: its postinstall
 * script refuses root without --unsafe-perm, npm 9 then leaks
 * npm_config_global into the script's nested installs (which go global,
 * ignore the shrinkwrap and leave lib/vscode/node_modules empty), and the
 * native modules try GitHub downloads. So the package is installed without
 * its scripts and the script's work is done step by step below. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "image/image_cache.h"
#include "image/image_code_server.h"
#include "image/image_rootfs_debian.h"
#include "image/image_util.h"

/* The host's bundle: it holds any CA of a proxy between this machine and
 * the npm registry. Copied into the build root only, never the image. */
#define CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

/* npm as root in the build root, with the host's CAs, quietly; never the
 * global flag in a nested install. */
#define NPM_ENV "env -u npm_config_global HOME=/root " \
	"npm_config_cafile=/root/ca-certificates.crt npm_config_cache=/root/.npm " \
	"npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false"

/* One build step: a progress line, then cmd in dir inside the root (cmd
 * holds no single quote). */
#define STEP(what, dir, cmd) \
	"--customize-hook=echo 'I: code-server: " what "' >&2 && chroot \"$1\" " NPM_ENV \
	" sh -c 'cd " dir " && " cmd "' >&2"

#define VSCODE_DIR CODE_SERVER_DIR "/lib/vscode"

static const char *const build_root[] = {
	"mmdebstrap",
	"--variant=apt", "--format=null",
	/* python3 is node-gyp's; libkrb5-dev is kerberos's; rg replaces
	 * @vscode/ripgrep's download. */
	"--include=" BOOKWORM_PACKAGES ",build-essential,libkrb5-dev,ripgrep",
};

static const char *const steps[] = {
	"--customize-hook=copy-in " CA_BUNDLE " /root",
	STEP("npm install -g code-server@" CODE_SERVER_VERSION " (without its scripts)", "/",
	     "npm install -g --ignore-scripts code-server@" CODE_SERVER_VERSION),
	/* node-pre-gyp's prebuilt is on GitHub: it falls back to node-gyp,
	 * which finds Node's headers in /usr/include/nodejs (libnode-dev). */
	STEP("argon2 (node-gyp)", CODE_SERVER_DIR, "npm rebuild argon2"),
	STEP("lib/vscode: npm install (its npm-shrinkwrap.json)", VSCODE_DIR,
	     "npm install --ignore-scripts --legacy-peer-deps --omit=dev"),
	/* @vscode/ripgrep's script downloads nothing when bin/ exists;
	 * kerberos defines NAPI_EXPERIMENTAL, with which Node 18.20's headers
	 * expect finalizers its node-addon-api does not have: the headers'
	 * own opt-out. */
	STEP("lib/vscode: native modules (node-gyp)", VSCODE_DIR,
	     "mkdir -p node_modules/@vscode/ripgrep/bin && "
	     "ln -sf /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg && "
	     "CXXFLAGS=-DNODE_API_EXPERIMENTAL_NOGC_ENV_OPT_OUT npm rebuild"),
	STEP("lib/vscode/extensions: npm install", VSCODE_DIR "/extensions",
	     "npm install --legacy-peer-deps --omit=dev"),
	/* What postinstall.sh does after its installs, then the compilers'
	 * objects go. */
	STEP("links, and the compiler objects removed", VSCODE_DIR,
	     "rm -rf node_modules.asar && ln -s node_modules node_modules.asar && "
	     "ln -sf code-linux.sh bin/remote-cli/code-server && "
	     "ln -sf browser-linux.sh bin/helpers/browser.sh && "
	     "find " CODE_SERVER_DIR " -type d \\( -name obj.target -o -name .deps "
	     "-o -name build-tmp-napi-v3 \\) -prune -exec rm -rf {} +"),
	STEP("check", "/", "code-server --version"),
};

/* The build root's command line; out (relative to the cache, may be
 * NULL for the cache key) is where /usr/local is packed. */
static int build_root_argv(const struct strv *sources, const char *out, struct strv *argv)
{
	size_t i;
	int rc;

	for (i = 0; i < sizeof(build_root) / sizeof(*build_root); i++)
		if ((rc = strv_add(argv, build_root[i])) < 0)
			return rc;
	if ((rc = image_debian_slim_options(argv)) < 0)
		return rc;
	for (i = 0; i < sizeof(steps) / sizeof(*steps); i++)
		if ((rc = strv_add(argv, steps[i])) < 0)
			return rc;
	if ((out && (rc = strv_addf(argv, "--customize-hook=tar-out /usr/local %s", out)) < 0) ||
	    (rc = strv_add(argv, "bookworm")) < 0 || (rc = strv_add(argv, "/dev/null")) < 0)
		return rc;
	for (i = 0; i < sources->n; i++)
		if ((rc = strv_add(argv, sources->v[i])) < 0)
			return rc;
	return 0;
}

int image_code_server_prepare(struct image_code_server *cs, const struct strv *sources,
			      char *err, size_t errlen)
{
	struct strv argv = { 0 };
	int rc;

	if ((rc = build_root_argv(sources, NULL, &argv)) == 0)
		rc = image_cache_tarball("code-server", "code-server-" CODE_SERVER_VERSION, &argv,
					 cs->key, cs->tarball, sizeof(cs->tarball), err, errlen);
	strv_free(&argv);
	return rc;
}

int image_code_server_build(const struct image_code_server *cs, const char *cache,
			    const struct strv *sources, int no_cache,
			    const struct image_job *pr, char *err, size_t errlen)
{
	char final[PATH_MAX], dir[PATH_MAX], partial[PATH_MAX], full_partial[PATH_MAX];
	struct strv argv = { 0 };
	struct stat st;
	int rc;

	if (snprintf(final, sizeof(final), "%s/%s", cache, cs->tarball) >= (int)sizeof(final))
		return hb_fail(err, errlen, HB_EINVAL, "cache directory path too long");
	if (!no_cache && stat(final, &st) == 0 && st.st_size > 0) {
		image_say(pr, "code-server %s: the cached build %s (%.1f MB; --no-cache builds it "
			  "again)", CODE_SERVER_VERSION, final, st.st_size / 1e6);
		return 0;
	}
	if (access(CA_BUNDLE, R_OK) < 0)
		return hb_fail(err, errlen, HB_ENOENT, "%s: %s; npm needs the host's CA bundle "
			       "to build code-server: apt-get install ca-certificates", CA_BUNDLE,
			       strerror(errno));
	snprintf(dir, sizeof(dir), "%s/code-server", cache);
	snprintf(partial, sizeof(partial), "code-server/.%s.partial-%ld",
		 strrchr(cs->tarball, '/') + 1, (long)getpid());
	if (snprintf(full_partial, sizeof(full_partial), "%s/%s", cache, partial) >=
	    (int)sizeof(full_partial))
		return hb_fail(err, errlen, HB_EINVAL, "cache directory path too long");
	if (image_mkdir_p(dir) < 0)
		return hb_fail(err, errlen, HB_EIO, "%s: %s", dir, strerror(errno));
	image_say(pr, "building code-server %s in a throwaway bookworm root (recipe %s)",
		  CODE_SERVER_VERSION, cs->key);
	if ((rc = build_root_argv(sources, partial, &argv)) == 0 &&
	    (rc = image_debian_run(&argv, cache, pr, err, errlen)) == 0) {
		if (stat(full_partial, &st) < 0 || rename(full_partial, final) < 0)
			rc = hb_fail(err, errlen, HB_EIO, "code-server's build left no %s: %s",
				     full_partial, strerror(errno));
		else
			image_say(pr, "code-server cached in %s (%.1f MB)", final,
				  st.st_size / 1e6);
	}
	if (rc < 0)
		unlink(full_partial);
	strv_free(&argv);
	image_cache_prune(final);
	return rc;
}

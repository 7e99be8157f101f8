/* services_defs.h — what each service runs and how it is seen to answer;
 * the table is in services_defs.c, the supervisor in services.c. */
#ifndef HB_SANDBOXD_SERVICES_DEFS_H
#define HB_SANDBOXD_SERVICES_DEFS_H

struct service_def {
	const char *name;           /* in routes and logs: "vscode", "xvnc", … */
	unsigned group;             /* SERVICES_VSCODE or SERVICES_DESKTOP */
	const char *const *argv;    /* argv[0] is an absolute path */
	int arg_workdir;            /* the working dir is appended to argv */
	int display;                /* runs on the desktop's X display */
	/* the service (index in the table) that must answer before this one
	 * starts, or -1 */
	int need;
	/* it answers once 127.0.0.1:probe_port, or the unix socket
	 * probe_path, accepts a connection (and, with probe_http, answers
	 * 200 to a GET of that path there); neither: once started */
	int probe_port;
	const char *probe_path;
	const char *probe_http;
	int port;                   /* the loopback port it listens on, or 0 */
};

#define SERVICES_DISPLAY ":1"

enum service_id { SERVICE_VSCODE, SERVICE_XVNC, SERVICE_WM, SERVICE_WEBSOCKIFY,
		  SERVICE_CHROMIUM, SERVICES_COUNT };

extern const struct service_def services_defs[SERVICES_COUNT];

/* 1 when the programs a group needs are in place; else 0 and the first
 * one missing in *missing. */
int services_defs_installed(unsigned group, const char **missing);

#endif

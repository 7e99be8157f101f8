/* sandbox_json.c — struct hb_sandbox to JSON. */
#include <stdio.h>
#include <string.h>

#include "cli/sandbox_json.h"
#include "common/ids.h"

json_t *sandbox_to_json(const struct hb_sandbox *sb, bool with_key)
{
	json_t *o, *ports = json_object();
	char url[160], name[16], created[ISOTIME_STR_LEN];
	int i;

	for (i = 0; i < HB_SANDBOX_PORTS; i++)
		if (sb->host_ports[i]) {
			snprintf(name, sizeof(name), "%d", hb_sandbox_ports[i]);
			json_object_set_new(ports, name, json_integer(sb->host_ports[i]));
		}
	hb_sandbox_port_url(sb, 0, url, sizeof(url));
	isotime_format(sb->created_us, created);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:b, s:s}",
		      "id", sb->id, "backend", sb->backend, "container", sb->name,
		      "image", sb->image, "state", hb_sandbox_state_name(sb->state),
		      "ports", ports, "host", sb->host,
		      "url", sb->host_ports[0] ? url : "",
		      "owner", sb->owner, "keep_alive", !sb->lease[0],
		      "created", created);
	if (!o)
		return NULL;
	if (sb->workdir[0])
		json_object_set_new(o, "workdir", json_string(sb->workdir));
	if (sb->state == HB_SANDBOX_EXITED) {
		json_object_set_new(o, "exit_code", json_integer(sb->exit_code));
		json_object_set_new(o, "oom_killed", json_boolean(sb->oom_killed));
	}
	if (with_key)
		json_object_set_new(o, "session_api_key", json_string(sb->session_api_key));
	return o;
}

import type { StartNginxOptions } from "./start-nginx.ts";

/** Where the rendered nginx runs: its directory (logs, temp files, htpasswd), port and path prefix (no trailing slash). */
export interface NginxPlace {
  readonly dir: string;
  readonly port: number;
  readonly prefix: string;
}

/**
 * The nginx.conf of {@link startNginx}: a foreground nginx on 127.0.0.1 that proxies to the
 * upstreams (round robin), logs `METHOD URI STATUS REQUEST_BYTES CONTENT_ENCODING`, and adds
 * what the options ask for (TLS, mTLS, basic auth, a path prefix, a cluster vminsert's paths).
 */
export function renderNginxConfig(options: StartNginxOptions, place: NginxPlace): string {
  const { dir, port, prefix } = place;
  const upstreams = (typeof options.upstream === "string" ? [options.upstream] : options.upstream).map(
    (u) => new URL(u),
  );
  const upstream = upstreams[0];
  if (upstream === undefined) throw new Error("[test-stack] startNginx: upstream is empty");
  const servers = upstreams.map((u) => `server ${u.host} ${options.upstreamServerParameters ?? ""};`).join(" ");
  const escapedPrefix = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const proxy = `proxy_pass ${upstream.protocol}//upstream_vm; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_request_buffering off;`;
  const locations = options.cluster
    ? `
    location ~ ^${escapedPrefix}/insert/(?<acc>\\d+):(?<proj>\\d+)/prometheus/(?<rest>.*)$ {
      rewrite ^ /$rest?extra_label=vm_account_id=$acc&extra_label=vm_project_id=$proj break;
      ${proxy}
    }
    location ~ ^${escapedPrefix}/insert/(?<acc>\\d+)/prometheus/(?<rest>.*)$ {
      rewrite ^ /$rest?extra_label=vm_account_id=$acc&extra_label=vm_project_id=0 break;
      ${proxy}
    }
    location ~ ^${escapedPrefix}/insert/multitenant/prometheus/(?<rest>.*)$ {
      rewrite ^ /$rest break;
      ${proxy}
    }
    location ~ ^${escapedPrefix}/(?<rest>health|metrics)$ {
      rewrite ^ /$rest break;
      ${proxy}
    }
    location / {
      return 400 "unsupported path requested: $uri\\n";
    }`
    : `
    location ${prefix}/ {
      ${prefix ? `rewrite ^${escapedPrefix}/(.*)$ /$1 break;` : ""}
      ${proxy}
    }`;

  return `
${process.getuid?.() === 0 ? "user root;" : ""}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  log_format aw '$request_method $request_uri $status $request_length "$http_content_encoding"';
  access_log ${dir}/access.log aw;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 0;
  default_type text/plain;
  upstream upstream_vm { ${servers} keepalive 8; }
  ${options.extraHttpConfig ?? ""}
  server {
    listen 127.0.0.1:${port}${options.tls ? " ssl" : ""};
    ${options.tls ? `ssl_certificate ${options.tls.certFile}; ssl_certificate_key ${options.tls.keyFile};` : ""}
    ${options.clientCaFile ? `ssl_client_certificate ${options.clientCaFile}; ssl_verify_client on;` : ""}
    ${options.basicAuth ? `auth_basic "anomaly-writer test"; auth_basic_user_file ${dir}/htpasswd;` : ""}
    ${options.extraServerConfig ?? ""}
    ${locations}
  }
}
`;
}

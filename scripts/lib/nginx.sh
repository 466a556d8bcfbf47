# nginx in front of robot-server instances, for the tests and the benches: deploy/nginx/robot-server.conf itself,
# with its ports and log folder rewritten, inside a small main config that keeps everything in one folder.
# Source it; do not run it.
# shellcheck shell=bash
#
#   . "$(dirname "$0")/lib/nginx.sh"
#   write_nginx_config DIR LISTEN_PORT UPSTREAM_PORT...
#   nginx -p DIR -c DIR/nginx.conf        # in the foreground; SIGTERM stops it at once, SIGQUIT gracefully
#
# Requires bash and awk.

# The production file the tests and benches run (scripts/lib/../../deploy/nginx/robot-server.conf).
ROBOT_NGINX_CONF=${ROBOT_NGINX_CONF:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/deploy/nginx/robot-server.conf}

# Writes DIR/robot-server.conf — ROBOT_NGINX_CONF with `listen 8080;` made `listen 127.0.0.1:LISTEN_PORT;`, each
# run of `server 127.0.0.1:…` lines (one per upstream block) replaced by one such line per UPSTREAM_PORT (same
# parameters, in the order given: least_conn's ties go to the first) and /var/log/nginx/ made DIR/ — and
# DIR/nginx.conf, which includes it:
# nginx in the foreground (`daemon off`) with a master and two workers, its pid file, error log, temp folders and
# access log in DIR. No `user` line: as root the workers run as nobody, as anyone else as that user.
# Fails, naming the line, when the production file no longer has the lines it rewrites.
write_nginx_config() {
    if (($# < 3)); then
        echo "usage: write_nginx_config DIR LISTEN_PORT UPSTREAM_PORT..." >&2
        return 2
    fi
    local dir=$1 listen=$2
    shift 2
    local port
    for port in "$listen" "$@"; do
        if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
            echo "write_nginx_config: '$port' is not a TCP port" >&2
            return 2
        fi
    done
    [[ -r $ROBOT_NGINX_CONF ]] || { echo "write_nginx_config: cannot read $ROBOT_NGINX_CONF" >&2; return 1; }
    mkdir -p "$dir/temp" || return 1
    dir=$(cd "$dir" && pwd) || return 1

    awk -v listen="$listen" -v ports="$*" -v dir="$dir" '
        /^[[:space:]]*listen 8080;/ { sub(/listen 8080;/, "listen 127.0.0.1:" listen ";"); listens++; print; next }
        /^[[:space:]]*server 127\.0\.0\.1:[0-9]+ / {
            if (!in_run) {
                runs++
                count = split(ports, port, " ")
                for (i = 1; i <= count; i++) {
                    line = $0
                    sub(/127\.0\.0\.1:[0-9]+/, "127.0.0.1:" port[i], line)
                    print line
                }
            }
            in_run = 1
            next
        }
        { in_run = 0 }
        !/^[[:space:]]*#/ { gsub(/\/var\/log\/nginx\//, dir "/") }
        { print }
        END {
            if (listens != 1) { print "no single `listen 8080;` line" > "/dev/stderr"; exit 1 }
            if (runs < 1) { print "no `server 127.0.0.1:PORT …;` line" > "/dev/stderr"; exit 1 }
        }
    ' "$ROBOT_NGINX_CONF" >"$dir/robot-server.conf" ||
        { echo "write_nginx_config: $ROBOT_NGINX_CONF changed shape (see above)" >&2; return 1; }

    cat >"$dir/nginx.conf" <<CONF
# Written by scripts/lib/nginx.sh (write_nginx_config) for a test or a bench. Run: nginx -p $dir -c $dir/nginx.conf
daemon off;
master_process on;
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log notice;
events {
    worker_connections 4096;
}
http {
    client_body_temp_path $dir/temp/body;
    proxy_temp_path $dir/temp/proxy;
    fastcgi_temp_path $dir/temp/fastcgi;
    uwsgi_temp_path $dir/temp/uwsgi;
    scgi_temp_path $dir/temp/scgi;
    access_log $dir/access.log;
    include $dir/robot-server.conf;
}
CONF
}

"""Gunicorn settings for PhanAnh (`gunicorn -c phananh/gunicorn_conf.py phananh.wsgi:application`).

Used by scripts/run.sh (`make run`), by the cluster test and in production;
only the environment changes between them. docs/deploy.md explains the choice.

Threads (gthread), not processes alone: most of a request's time is spent
waiting (on a phone's upload, the database, object storage), and a waiting
thread costs little, so a few processes with several threads each serve
many slow phones at once. Gthread also parks idle keep-alive connections
outside the thread pool, and hands a new connection that sends nothing for
5 seconds back to its poller. What still holds a thread is a request whose
headers or body trickle in: the proxy in front must take that wait (nginx
buffers whole bodies to disk; haproxy bounds the header time and queues
excess requests itself, see scripts/cluster/haproxy.cfg).
"""

import os


def _int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


# BIND=10.0.0.5:8000 on an app server behind a proxy on another host.
bind = os.environ.get("BIND") or f"127.0.0.1:{_int('PORT', 8000)}"
worker_class = "gthread"
workers = _int("WEB_WORKERS", 2)
threads = _int("WEB_THREADS", 4)
# A worker silent this long is killed and replaced; no PhanAnh request runs
# that long (photos are processed by the job worker, not here).
timeout = _int("WEB_TIMEOUT", 60)
graceful_timeout = 20
# Idle keep-alive connections live outside the thread pool, so this may be
# longer than gunicorn's default; it must exceed how long a proxy in front
# keeps an idle connection to us, or the proxy may reuse one we just closed.
keepalive = _int("WEB_KEEPALIVE", 15)
# Recycle workers now and then: a slow leak in any library cannot grow for ever.
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
# The heartbeat file of each worker; memory-backed where there is /dev/shm,
# so a slow disk never makes gunicorn think a worker hung.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Gunicorn's control socket (one per user, in ~/.gunicorn) is not used, and
# two servers on one host would fight over it.
control_socket_disable = True
# Only the proxy on this host may set X-Forwarded-Proto for gunicorn itself;
# Django trusts it only with BEHIND_TLS_PROXY (phananh/settings.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

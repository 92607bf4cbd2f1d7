# Gunicorn settings of the image. GUNICORN_CMD_ARGS (which the inboxwine.fozzy task definition
# sets: --bind, --workers, --keep-alive, --graceful-timeout, --worker-tmp-dir) and the command
# line override every value here; these are what the image does without them.
import os

wsgi_app = "fozzy_api.main:app"
# The maintained uvicorn worker package (uvicorn.workers is deprecated since uvicorn 0.30).
worker_class = "uvicorn_worker.UvicornWorker"
bind = [f"0.0.0.0:{os.environ.get('PORT', '8000')}"]
workers = max(os.cpu_count() or 1, 1)
keepalive = 75
graceful_timeout = 30
# The root filesystem is read-only: worker heartbeats go to /dev/shm (tmpfs, writable by all).
worker_tmp_dir = "/dev/shm"
accesslog = None
errorlog = "-"

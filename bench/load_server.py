# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""odoo-bin for the load stage (bench_load.py), but for the websocket process
Odoo starts beside its workers (``odoo-bin gevent``), kept idle: the XML-RPC
clients need none, and where gevent cannot start (a venv whose setuptools
cannot resolve gevent's plugins) Odoo would start it again every few seconds,
on CPU the measure would pay. The server kills it when it stops."""

import os
import sys
import time

os.environ["TZ"] = "UTC"

if __name__ == "__main__":
    if sys.argv[1:2] == ["gevent"]:
        while True:
            time.sleep(3600)
    import odoo

    odoo.cli.main()

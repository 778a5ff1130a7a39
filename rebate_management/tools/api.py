# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The methods integrators call over XML-RPC and JSON-RPC (docs/api.md)."""

INTEGRATOR_API = "_rebate_integrator_api"


def integrator_api(method):
    """Mark ``method`` as one of the calls docs/api.md documents for
    integrators: its name, arguments and answer are an API, kept across
    versions (a rename keeps the old name for a major version). Methods
    whose names start with ``_`` are never callable over RPC (Odoo refuses
    them), marked or not."""
    setattr(method, INTEGRATOR_API, True)
    return method


def is_integrator_api(model, name):
    """Whether the method ``name`` of ``model`` (a model's class or record)
    is marked by integrator_api in any class that defines it."""
    return any(
        getattr(klass.__dict__.get(name), INTEGRATOR_API, False)
        for klass in type(model).__mro__
    )

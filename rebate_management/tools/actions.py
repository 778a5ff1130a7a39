# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The window and client actions the buttons return, built in one place.

Each carries its ``views``: an action may travel as a notification's
``next``, which the web client runs as it is (a button's return value is
completed by the server, a nested one is not)."""


def wizard_action(name, res_model, context):
    """The action that opens the wizard ``res_model`` in a dialog, with
    ``context`` (its defaults)."""
    return {
        "type": "ir.actions.act_window",
        "name": name,
        "res_model": res_model,
        "view_mode": "form",
        "views": [(False, "form")],
        "target": "new",
        "context": context,
    }


def xml_action(env, xmlid, domain, context=None):
    """The window action ``xmlid`` (the menu's, with its views and help)
    narrowed to ``domain``, with ``context`` in place of its own if given."""
    action = env["ir.actions.act_window"]._for_xml_id(xmlid)
    action["domain"] = domain
    if context is not None:
        action["context"] = context
    return action


def list_action(name, records):
    """The action that lists ``records``, each opening in its form."""
    return {
        "type": "ir.actions.act_window",
        "name": name,
        "res_model": records._name,
        "view_mode": "list,form",
        "views": [(False, "list"), (False, "form")],
        "domain": [("id", "in", records.ids)],
    }


def soft_reload_action():
    """The action that reloads the current view (a notification's ``next``
    once a button changed what it shows)."""
    return {"type": "ir.actions.client", "tag": "soft_reload"}


def notification_action(title, message, kind="success", next_action=None):
    """The action that shows ``message`` in a notification (``kind``:
    success, info, warning or danger), then runs ``next_action`` if any."""
    params = {"title": title, "message": message, "type": kind, "sticky": False}
    if next_action:
        params["next"] = next_action
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": params,
    }

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Customer Rebates: Period Close in Queue Jobs",
    "summary": "The scheduled period close as one queue job per batch of "
    "agreements, run in parallel by Odoo's workers",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/OCA/account-invoicing",
    "author": "rebate_management developers, Odoo Community Association (OCA)",
    "license": "LGPL-3",
    "depends": ["rebate_management", "queue_job"],
    "data": [
        "data/queue_job_channel_data.xml",
        "data/queue_job_function_data.xml",
    ],
    "installable": True,
}

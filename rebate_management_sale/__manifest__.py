# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Customer Rebates on Sales",
    "summary": "Rebates the customer spends: a rebate balance used on later "
    "orders within a per-order cap",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "website": "https://github.com/OCA/account-invoicing",
    "author": "rebate_management developers, Odoo Community Association (OCA)",
    "license": "LGPL-3",
    "depends": ["rebate_management", "sale_loyalty"],
    "data": [
        "security/ir.model.access.csv",
        "security/rebate_management_sale_security.xml",
        "data/ir_cron_data.xml",
        "data/product_data.xml",
        "data/mail_template_data.xml",
        "views/rebate_balance_credit_views.xml",
        "views/rebate_agreement_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "views/rebate_portal_templates.xml",
        "views/res_config_settings_views.xml",
        "wizards/rebate_balance_adjust_views.xml",
        "views/rebate_management_sale_menus.xml",
    ],
    "demo": [
        "demo/rebate_sale_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "rebate_management_sale/static/tests/tours/**/*",
        ],
    },
    "installable": True,
}

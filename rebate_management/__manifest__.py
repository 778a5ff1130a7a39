# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Customer Rebates",
    "summary": "Customer rebate agreements: accrual at posting, period close "
    "to credit notes",
    "version": "18.0.1.4.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/rebate-management/rebate_management",
    "author": "rebate_management developers",
    "license": "LGPL-3",
    "depends": ["account", "portal"],
    "data": [
        "security/rebate_management_groups.xml",
        "security/ir.model.access.csv",
        "security/rebate_management_security.xml",
        "data/ir_sequence_data.xml",
        "data/product_data.xml",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "views/rebate_agreement_views.xml",
        "views/rebate_accrual_views.xml",
        "views/rebate_settlement_views.xml",
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/rebate_analysis_views.xml",
        "views/rebate_grade_views.xml",
        "views/rebate_portal_templates.xml",
        "wizards/rebate_agreement_amend_wizard_views.xml",
        "wizards/rebate_agreement_generate_views.xml",
        "wizards/rebate_settlement_release_hold_views.xml",
        "views/rebate_management_menus.xml",
    ],
    "demo": [
        "demo/rebate_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "rebate_management/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": True,
}

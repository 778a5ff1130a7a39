/** @odoo-module **/
// The three walks `make test` runs in a real browser (tests/test_rebate_tours.py).

import { registry } from "@web/core/registry";

/**
 * A selection field's value chosen as a user does: Odoo 18 shows the field as
 * a <select>, Odoo 19 as a menu that its input opens.
 */
function selectionSteps(field, label) {
    return [
        {
            content: `Choose ${label}`,
            trigger: `.o_field_widget[name=${field}] :is(select, input)`,
            run(helpers) {
                if (helpers.anchor.tagName === "SELECT") {
                    return helpers.selectByLabel(label);
                }
                return helpers.click();
            },
        },
        {
            content: `${label} chosen`,
            trigger: `.o_select_menu_item:contains(${label}), .o_field_widget[name=${field}] select`,
            run(helpers) {
                if (helpers.anchor.tagName !== "SELECT") {
                    return helpers.click();
                }
            },
        },
    ];
}

registry.category("web_tour.tours").add("rebate_manager_agreement_tour", {
    url: "/odoo/action-rebate_management.rebate_agreement_action",
    steps: () => [
        {
            content: "Create an agreement",
            trigger: ".o_control_panel_main_buttons .o_list_button_add",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Tour Volume Rebate",
        },
        {
            content: "Choose the customer",
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit Harbor Tour",
        },
        {
            trigger: ".ui-menu-item a:contains(Harbor Tour Supplies)",
            run: "click",
        },
        {
            content: "From",
            trigger: ".o_field_widget[name=date_start] input",
            run: "edit 01/01/2025 && press Enter",
        },
        {
            content: "To",
            trigger: ".o_field_widget[name=date_end] input",
            run: "edit 12/31/2025 && press Enter",
        },
        ...selectionSteps("tier_mode", "Retroactive tiers"),
        ...[
            ["0", "1"],
            ["10000", "2"],
            ["20000", "3"],
        ].flatMap(([threshold, rate]) => [
            {
                content: `Add the tier from ${threshold}`,
                trigger: "div[name=tier_ids] .o_field_x2many_list_row_add a",
                run: "click",
            },
            {
                trigger: "div[name=tier_ids] .o_selected_row [name=threshold] input",
                run: `edit ${threshold}`,
            },
            {
                trigger: "div[name=tier_ids] .o_selected_row [name=rate] input",
                run: `edit ${rate}`,
            },
        ]),
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            content: "Approve and activate",
            trigger: ".o_statusbar_buttons button[name=action_activate]",
            run: "click",
        },
        {
            content: "The agreement is active",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Active)",
        },
        {
            trigger: "div[name=tier_ids] .o_data_row:nth-child(3) [name=threshold]:contains(20,000)",
        },
    ],
});

registry.category("web_tour.tours").add("rebate_accountant_settlement_tour", {
    steps: () => [
        {
            content: "Close the ended periods of the agreement",
            trigger: ".o_statusbar_buttons button[name=action_close_periods]",
            run: "click",
        },
        {
            content: "The settlement to approve opens",
            trigger: ".o_form_view .o_field_widget[name=rebate_total]:contains(240.00)",
        },
        {
            content: "Approve it",
            trigger: ".o_statusbar_buttons button[name=action_approve]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Approved)",
        },
        {
            content: "Create its credit note",
            trigger: ".o_statusbar_buttons button[name=action_create_credit_note]:contains(Create Credit Note)",
            run: "click",
        },
        {
            content: "Done, with its credit note",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
        {
            trigger: "button[name=action_view_document]:contains(Credit Note)",
        },
    ],
});

registry.category("web_tour.tours").add("rebate_portal_tour", {
    url: "/my/rebates",
    steps: () => [
        {
            content: "Open the agreement",
            trigger: "a:contains(Tour Annual Rebate)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Its terms and where the customer stands",
            trigger: "#rebate_tiers td:contains(10,000.00)",
        },
        {
            trigger: "#rebate_progress #rebate_base:contains(12,000.00)",
        },
        {
            trigger: "h4:contains(Settlements)",
        },
        {
            content: "Download a statement",
            trigger: "a.o_rebate_statement",
            run: "click",
        },
        {
            trigger: "#rebate_terms",
        },
    ],
});

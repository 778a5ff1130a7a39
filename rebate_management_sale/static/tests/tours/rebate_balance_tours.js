/** @odoo-module **/
// The rebate balance walked in a real browser (tests/test_rebate_balance_tours.py):
// a salesperson spends it on a quotation, the customer reads it on the portal.
// The test gives the customer a balance of 200.00, expiring on 04/09/2028, and
// caps a deduction at 10 % of the order: 100.00 of a quotation of 1,000.00,
// 150.00 once the quotation is 1,500.00.

import { registry } from "@web/core/registry";

const deduction = ".o_field_widget[name=order_line] .o_data_row:has(td[name=product_template_id]:contains(Rebate balance))";

registry.category("web_tour.tours").add("rebate_balance_salesperson_tour", {
    steps: () => [
        {
            content: "The quotation shows what the customer's balance has left",
            trigger: ".o_form_view label:contains(Rebate Balance)",
        },
        {
            trigger: ".o_field_widget[name=rebate_balance_available]:contains(200.00)",
        },
        {
            content: "Pay part of the quotation with the balance",
            trigger: ".o_statusbar_buttons button[name=action_apply_rebate_balance]:contains(Use Rebate Balance)",
            run: "click",
        },
        {
            content: "A deduction line of 10 % of the order",
            trigger: `${deduction} td[name=price_subtotal]:contains(-100.00)`,
        },
        {
            content: "What the order uses and what the balance keeps",
            trigger: ".o_field_widget[name=rebate_balance_amount]:contains(100.00) + span:contains(used on this order)",
        },
        {
            trigger: ".o_field_widget[name=rebate_balance_available]:contains(100.00)",
        },
        {
            content: "Sell 15 instead of 10",
            trigger: ".o_field_widget[name=order_line] .o_data_row:first-child td[name=product_uom_qty]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=order_line] .o_selected_row [name=product_uom_qty] input",
            run: "edit 15",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            content: "The deduction follows the order, within the cap",
            trigger: `${deduction} td[name=price_subtotal]:contains(-150.00)`,
        },
        {
            trigger: ".o_field_widget[name=rebate_balance_amount]:contains(150.00)",
        },
        {
            trigger: ".o_field_widget[name=rebate_balance_available]:contains(50.00)",
        },
    ],
});

registry.category("web_tour.tours").add("rebate_balance_portal_tour", {
    url: "/my/rebates",
    steps: () => [
        {
            content: "The balance the customer may spend",
            trigger: "#rebate_balance h4:contains(Rebate balance):contains(200.00)",
        },
        {
            content: "The credit, paid out on 04/10/2025, and its expiry",
            trigger: "#rebate_balance .o_rebate_balance_credits tbody tr:contains(04/10/2025) td:nth-child(3):contains(04/09/2028)",
        },
        {
            trigger: "#rebate_balance .o_rebate_balance_credits tbody tr:contains(04/09/2028) td:last-child:contains(200.00)",
        },
    ],
});

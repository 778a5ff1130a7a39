/** @odoo-module **/
// The grade walks of tests/test_rebate_grade_rules.py, in a real browser.

import { registry } from "@web/core/registry";

/** Throw unless the header of each column of ``names`` reads in full. */
function checkHeadersReadInFull(names) {
    for (const name of names) {
        const label = document.querySelector(
            `.o_list_table th[data-name=${name}] .text-truncate`
        );
        if (!label) {
            throw new Error(`no header for ${name}`);
        }
        if (label.scrollWidth > label.clientWidth) {
            throw new Error(
                `the header of ${name} is cut: ${label.scrollWidth}px of text in ${label.clientWidth}px`
            );
        }
    }
}

registry.category("web_tour.tours").add("rebate_grade_list_tour", {
    url: "/odoo/action-rebate_management.rebate_grade_action",
    steps: () => [
        {
            content: "The grade list reads its headers in full",
            trigger: ".o_list_table th[data-name=min_invoice_count]",
            run() {
                checkHeadersReadInFull(["name", "min_sales", "min_invoice_count", "partner_count"]);
            },
        },
    ],
});

registry.category("web_tour.tours").add("rebate_grade_set_tour", {
    steps: () => [
        {
            content: "Set the customer's grade by hand",
            trigger: "button[name=action_open_rebate_grade_wizard]",
            run: "click",
        },
        {
            content: "Grade A",
            trigger: ".modal .o_field_widget[name=grade_id] input",
            run: "edit A",
        },
        {
            // (not Odoo 19's "Loading..." line, shown while it searches)
            trigger: ".modal .o-autocomplete--dropdown-item a:not(.o_loading):contains(A)",
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Key account of the region",
        },
        {
            trigger: ".modal button[name=action_set_grade]",
            run: "click",
        },
        {
            content: "The form shows the grade",
            trigger: ".o_form_view .o_field_widget[name=rebate_grade_id]:contains(A)",
        },
        {
            content: "The chatter says who, why, and from what to what",
            trigger: ".o-mail-Message:contains(Rebate grade set by hand: Key account of the region)",
        },
    ],
});

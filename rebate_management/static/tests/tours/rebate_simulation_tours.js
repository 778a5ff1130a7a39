/** @odoo-module **/
// The simulation walked by a salesperson and the manager who approves
// (tests/test_rebate_simulation_tour.py).

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("rebate_salesperson_simulation_tour", {
    steps: () => [
        {
            content: "Simulate the draft's terms on last year's sales",
            trigger: ".o_statusbar_buttons button[name=action_simulate]",
            run: "click",
        },
        {
            content: "Its four quarters and their total",
            trigger: ".modal .o_rebate_simulation tfoot td:contains(5,850.00)",
        },
        {
            trigger: ".modal .o_rebate_simulation tbody tr:nth-child(3) td:contains(2,800.00)",
        },
        {
            content: "Kept for the approver",
            trigger: ".modal .alert-info:contains(kept on the agreement)",
        },
        {
            content: "Close the figures",
            trigger: ".modal .modal-footer button.btn-secondary",
            run: "click",
        },
        {
            content: "Submit the agreement for approval",
            trigger: ".o_statusbar_buttons button[name=action_submit]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(To Approve)",
        },
        {
            content: "The simulation stays on the agreement",
            trigger: ".o_notebook a:contains(Simulation)",
            run: "click",
        },
        {
            trigger: ".o_rebate_simulation tfoot td:contains(5,850.00)",
        },
    ],
});

registry.category("web_tour.tours").add("rebate_manager_simulation_tour", {
    steps: () => [
        {
            content: "The figures the salesperson saw",
            trigger: ".o_notebook a:contains(Simulation)",
            run: "click",
        },
        {
            trigger: ".o_rebate_simulation tfoot td:contains(5,850.00)",
        },
        {
            content: "Approve and activate",
            trigger: ".o_statusbar_buttons button[name=action_activate].btn-primary",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Active)",
        },
        {
            content: "The approval's note quotes the simulation",
            trigger: ".o-mail-Message:contains(Approved with the simulation)",
        },
    ],
});

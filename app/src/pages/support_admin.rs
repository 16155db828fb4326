//! `/admin/support`: the support desk's settings — canned replies, each
//! agent's capacity, and business hours. Admins only; the server checks every
//! call again.

use leptos::prelude::*;

use crate::components::{
    admin_gate::AdminGate, admin_header::AdminHeader, support_canned::SupportCanned,
    support_capacity::SupportCapacity, support_hours::SupportHours,
};

#[component]
pub fn SupportAdminPage() -> impl IntoView {
    view! {
        <main class="admin-page">
            // The admin tabs only for admins: a member is turned away, not
            // shown the way in.
            <AdminGate>
                <AdminHeader current="/admin/support"/>
                <SupportCanned/>
                <SupportCapacity/>
                <SupportHours/>
            </AdminGate>
        </main>
    }
    .into_any()
}

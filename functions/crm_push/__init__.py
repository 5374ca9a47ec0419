"""crm_push: ProfileChanged (EventBridge rule → queue) → the CRM (built-in profile table, or HubSpot)."""

"""crm_to_email: keep email audiences (SES contact list topics, Mailchimp tags) true to the profile."""

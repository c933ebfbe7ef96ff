"""Who may do what: users, roles, logins, sessions, API tokens and CSRF (issue 10)."""

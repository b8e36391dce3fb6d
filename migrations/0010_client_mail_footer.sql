-- The firm's text at the end of every mail to a client, with placeholders such as
-- {{ portal_url }}; empty means the built-in text (which links the portal).
ALTER TABLE orgs ADD COLUMN client_mail_footer TEXT NOT NULL DEFAULT '';

-- A chat attachment: the conversation ('' for the client's general one, else a case id) a
-- finished upload is posted to, as a message of whoever uploaded it. NULL: not for the chat.
ALTER TABLE uploads ADD COLUMN chat_conv TEXT;
-- Whether mails about new messages quote the unread messages (0: they only say that someone
-- wrote; the firm decides, since a mail leaves the encrypted store).
ALTER TABLE orgs ADD COLUMN mail_message_text INTEGER NOT NULL DEFAULT 0;

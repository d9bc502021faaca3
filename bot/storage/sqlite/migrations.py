"""Numbered schema migrations. The database's version is `PRAGMA user_version`.

Append new migrations; never edit one that has shipped. Migration N brings a
database from version N-1 to N inside one transaction.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: events scoped to a guild, their pages, people and takeaways, RSVPs,
    # guild settings, announcement messages, the outbox of notices, metadata.
    """
    CREATE TABLE events (
        id                INTEGER PRIMARY KEY,
        guild_id          INTEGER NOT NULL,
        slug              TEXT    NOT NULL,
        title             TEXT    NOT NULL,
        venue             TEXT,
        link              TEXT,
        starts_at         INTEGER,
        ends_at           INTEGER,
        capacity          INTEGER NOT NULL CHECK (capacity > 0),
        registration_open INTEGER NOT NULL DEFAULT 1,
        closed_reason     TEXT,
        confirmed_count   INTEGER NOT NULL DEFAULT 0 CHECK (confirmed_count <= capacity),
        waitlist_count    INTEGER NOT NULL DEFAULT 0,
        next_seq          INTEGER NOT NULL DEFAULT 1,
        description       TEXT    NOT NULL DEFAULT '',
        recap_summary     TEXT    NOT NULL DEFAULT '',
        language          TEXT,
        translation       TEXT,
        off_the_record    INTEGER NOT NULL DEFAULT 0,
        access_notes      TEXT    NOT NULL DEFAULT '[]',
        created_at        INTEGER NOT NULL,
        updated_at        INTEGER NOT NULL,
        UNIQUE (guild_id, slug)
    );
    CREATE INDEX events_by_guild_start ON events (guild_id, starts_at);

    CREATE TABLE pages (
        event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        kind        TEXT    NOT NULL CHECK (kind IN ('announcement', 'recap')),
        body        TEXT    NOT NULL,
        imported_at INTEGER NOT NULL,
        PRIMARY KEY (event_id, kind)
    );

    CREATE TABLE people (
        event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        name     TEXT    NOT NULL,
        role     TEXT    NOT NULL,
        bio      TEXT    NOT NULL,
        PRIMARY KEY (event_id, position)
    );

    CREATE TABLE takeaways (
        event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        heading  TEXT    NOT NULL,
        text     TEXT    NOT NULL,
        PRIMARY KEY (event_id, position)
    );

    CREATE TABLE rsvps (
        event_id     INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        user_id      INTEGER NOT NULL,
        display_name TEXT    NOT NULL,
        status       TEXT    NOT NULL CHECK (status IN ('confirmed', 'waitlisted')),
        seq          INTEGER NOT NULL,
        joined_at    INTEGER NOT NULL,
        PRIMARY KEY (event_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX rsvps_queue ON rsvps (event_id, status, seq);

    CREATE TABLE guild_settings (
        guild_id            INTEGER PRIMARY KEY,
        announce_channel_id INTEGER
    );

    CREATE TABLE announcement_messages (
        message_id INTEGER PRIMARY KEY,
        channel_id INTEGER NOT NULL,
        event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        rendered   TEXT  -- digest of the embed last shown, to skip edits that change nothing
    );
    CREATE INDEX announcement_messages_by_event ON announcement_messages (event_id);

    CREATE TABLE outbox (
        id         INTEGER PRIMARY KEY,
        guild_id   INTEGER NOT NULL,
        event_id   INTEGER NOT NULL,
        kind       TEXT    NOT NULL,
        payload    TEXT    NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        claimed_at INTEGER
    );

    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 2: what the bot does beyond registration. Full-text search over what the events
    # say (kept in step on import); reminders and their delivery record; per-guild
    # settings for reminders and Discord scheduled events; per-event attendee role.
    """
    CREATE VIRTUAL TABLE passages USING fts5 (
        text, event_id UNINDEXED, source UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO passages (text, event_id, source)
        SELECT description, id, 'page' FROM events WHERE description != '';
    INSERT INTO passages (text, event_id, source)
        SELECT recap_summary, id, 'recap' FROM events WHERE recap_summary != '';
    INSERT INTO passages (text, event_id, source)
        SELECT bio, event_id, 'bio:' || name FROM people WHERE bio != '';
    INSERT INTO passages (text, event_id, source)
        SELECT heading || ': ' || text, event_id, 'takeaway:' || heading FROM takeaways;

    ALTER TABLE guild_settings ADD COLUMN reminder_minutes TEXT NOT NULL DEFAULT '1440,60';
    ALTER TABLE guild_settings ADD COLUMN scheduled_events INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE events ADD COLUMN scheduled_event_id INTEGER;
    ALTER TABLE events ADD COLUMN attendee_role_id INTEGER;

    CREATE TABLE reminders_sent (
        event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        user_id  INTEGER NOT NULL,
        minutes  INTEGER NOT NULL,
        sent_at  INTEGER NOT NULL,
        PRIMARY KEY (event_id, user_id, minutes)
    ) WITHOUT ROWID;
    """,
    # 3: how many members have left each event's waitlist (cancelled or promoted), so a
    # process can keep waitlist positions in memory and trust them until someone leaves.
    """
    ALTER TABLE events ADD COLUMN waitlist_departures INTEGER NOT NULL DEFAULT 0;
    """,
    # 4: a hash of each page's whitespace-normalised text, so importing a page the
    # server already has updates its event instead of making a second one. The bot
    # fills it in for the pages already there (`Database._fill_page_hashes`).
    """
    ALTER TABLE pages ADD COLUMN text_hash TEXT;
    CREATE INDEX pages_by_text_hash ON pages (text_hash);
    """,
    # 5: when each event's capacity notice was last posted, so cancel-and-join churn on a
    # full event does not post it again and again (NULL: none since the last reopening).
    """
    ALTER TABLE events ADD COLUMN capacity_noticed_at INTEGER;
    """,
    # 6: search rows of bounded size, tagged with their guild and event so a search looks
    # only at its own. The rows are rebuilt from the events by the code (Database.migrate):
    # splitting text into passages is not SQL's job.
    """
    DROP TABLE passages;
    CREATE VIRTUAL TABLE passages USING fts5 (
        text, scope, event_id UNINDEXED, source UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO passages (passages, rank) VALUES ('rank', 'bm25(1.0, 0.0)');
    """,
    # 7: an event keeps a page of each kind per language (the Chinese announcement beside
    # the English one), so one no longer overwrites the other and its text hash.
    """
    CREATE TABLE pages_by_language (
        event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        kind        TEXT    NOT NULL CHECK (kind IN ('announcement', 'recap')),
        lang        TEXT    NOT NULL DEFAULT 'en',
        body        TEXT    NOT NULL,
        imported_at INTEGER NOT NULL,
        text_hash   TEXT,
        PRIMARY KEY (event_id, kind, lang)
    );
    INSERT INTO pages_by_language (event_id, kind, lang, body, imported_at, text_hash)
        SELECT event_id, kind, 'en', body, imported_at, text_hash FROM pages;
    DROP TABLE pages;
    ALTER TABLE pages_by_language RENAME TO pages;
    CREATE INDEX pages_by_text_hash ON pages (text_hash);
    """,
    # 8: all-day events (a date without a time: midnight UTC of the date to the next), and
    # the server's timezone, in which typed times and pages without a zone are read.
    """
    ALTER TABLE events ADD COLUMN all_day INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE guild_settings ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
    """,
    # 9: the web address a page was fetched from, so importing the same URL again in a
    # server updates the event that has it, even when the page's text has changed.
    """
    ALTER TABLE pages ADD COLUMN url TEXT;
    CREATE INDEX pages_by_url ON pages (url);
    """,
    # 10: search that finds English words in their other forms (the porter stemmer:
    # "ambiguity" finds "ambiguities") and Chinese words. Han text has no spaces, so
    # unicode61 reads a whole clause as one token: `han` holds each passage's Han text as
    # overlapping two-character terms (导弹防御: 导弹 弹防 防御), searched by Chinese
    # questions. Bigrams rather than a trigram table: most Chinese words and names are two
    # characters (李彬, 导弹), which trigrams cannot match, and on the bundled Chinese page
    # the bigram index was the smaller (6.4 KB against 7.0 KB). The code fills the table.
    """
    DROP TABLE passages;
    CREATE VIRTUAL TABLE passages USING fts5 (
        text, han, scope, event_id UNINDEXED, source UNINDEXED,
        tokenize = 'porter unicode61 remove_diacritics 2'
    );
    INSERT INTO passages (passages, rank) VALUES ('rank', 'bm25(1.0, 1.0, 0.0)');
    """,
    # 11: an event's life after registration. Archived events are hidden from lists; the
    # bundled sample is marked; a deleted event leaves a tombstone (its id is never given
    # again, so an old announcement's buttons can say it was cancelled); a server the bot
    # left keeps its data until `left_at` plus the retention period.
    """
    ALTER TABLE events ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE events ADD COLUMN is_sample INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE guild_settings ADD COLUMN left_at INTEGER;
    CREATE TABLE deleted_events (
        id         INTEGER PRIMARY KEY,
        guild_id   INTEGER NOT NULL,
        title      TEXT    NOT NULL,
        deleted_at INTEGER NOT NULL
    );
    """,
    # 12: a notice's id is never given again. Without AUTOINCREMENT, deleting the newest
    # row (an event deleted while its capacity notice was out for delivery) let the next
    # notice take its id, and the delivery's acknowledgement then deleted that one instead.
    """
    CREATE TABLE outbox_ids_once (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        guild_id   INTEGER NOT NULL,
        event_id   INTEGER NOT NULL,
        kind       TEXT    NOT NULL,
        payload    TEXT    NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        claimed_at INTEGER
    );
    INSERT INTO outbox_ids_once SELECT id, guild_id, event_id, kind, payload, created_at,
        claimed_at FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_ids_once RENAME TO outbox;
    """,
    # 13: languages. The language a server's public posts are in, when a moderator chose
    # one (NULL: the server's preferred locale, else English); and each member's Discord
    # client language as last seen, for DMs sent outside an interaction (reminders,
    # promotions). A member's locale is theirs across servers, so it is keyed by user.
    """
    ALTER TABLE guild_settings ADD COLUMN language TEXT;
    CREATE TABLE member_locales (
        user_id INTEGER PRIMARY KEY,
        locale  TEXT    NOT NULL,
        seen_at INTEGER NOT NULL
    );
    """,
    # 14: an all-day event's day runs midnight to midnight in the server's zone, not UTC:
    # how far that zone is ahead of UTC at the day's start and end (`bot.zones.day_offsets`),
    # so "over" and the reminders are right in SQL. The code fills them.
    """
    ALTER TABLE events ADD COLUMN start_offset INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE events ADD COLUMN end_offset INTEGER NOT NULL DEFAULT 0;
    """,
    # 15: a server's most recent event in the order `default_event_id` wants it, so a
    # server whose events are all past finds it in one index probe, not a sort of them all.
    """
    CREATE INDEX events_by_guild_recent
        ON events (guild_id, archived, coalesce(starts_at, created_at) DESC, id DESC);
    """,
    # 16: where each event's reminder walk stopped (`bot.storage.reminder_walk`), so a
    # scheduler round reads the members who arrived since, not every confirmed member.
    """
    CREATE TABLE reminder_cursors (
        event_id    INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
        due_at      INTEGER NOT NULL,
        through_seq INTEGER NOT NULL
    );
    """,
    # 17: the bytes of each event's content (`session.content_bytes`), so the event loop
    # knows an event is too large to read there before it reads it. Existing events are
    # measured here, in SQL, as the code measures new ones.
    """
    ALTER TABLE events ADD COLUMN content_bytes INTEGER NOT NULL DEFAULT 0;
    UPDATE events SET content_bytes =
        length(CAST(coalesce(description, '') AS BLOB))
        + length(CAST(coalesce(recap_summary, '') AS BLOB))
        + length(CAST(access_notes AS BLOB))
        + coalesce((SELECT sum(length(CAST(name AS BLOB)) + length(CAST(role AS BLOB))
                               + length(CAST(bio AS BLOB)))
                    FROM people WHERE event_id = events.id), 0)
        + coalesce((SELECT sum(length(CAST(heading AS BLOB)) + length(CAST(text AS BLOB)))
                    FROM takeaways WHERE event_id = events.id), 0);
    """,
    # 18: the reminder scheduler's round reads the events beginning within its window
    # (`start_moment`, as its queries spell it) and those giving out a role, not all.
    """
    CREATE INDEX events_by_begin ON events ((starts_at - start_offset));
    CREATE INDEX events_giving_roles ON events (id) WHERE attendee_role_id IS NOT NULL;
    """,
    # 19: the attendee roles members still owe back (`bot.models.OwedRole`), so that a
    # restart goes on taking them back. Not tied to the event's row: a deleted event's
    # role is owed back too.
    """
    CREATE TABLE owed_roles (
        guild_id INTEGER NOT NULL,
        event_id INTEGER NOT NULL,
        role_id  INTEGER NOT NULL,
        user_id  INTEGER NOT NULL,
        PRIMARY KEY (event_id, role_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX owed_roles_by_guild ON owed_roles (guild_id);
    """,
    # 20: which claim took each notice, for PostgreSQL's deliverers, whose claim's COMMIT
    # can go unanswered (`bot.storage.postgres.outbox`). A failed SQLite commit took no
    # effect, so its claims leave the column empty; it keeps the two schemas one.
    """
    ALTER TABLE outbox ADD COLUMN claim_token INTEGER;
    """,
    # 21: the events whose attendee role a stop may have left short of some confirmed
    # members (grants cut short, paused after a refusal, or a change not compared yet):
    # the next start gives it to those not known to hold it, or, after a `/manage role`
    # not acted on (`everyone`), to every confirmed member.
    """
    CREATE TABLE roles_to_give (
        event_id INTEGER PRIMARY KEY,
        guild_id INTEGER NOT NULL,
        everyone INTEGER NOT NULL
    );
    """,
    # 22: the members of those events whose grant a stop left unsure, a call under way or
    # answered with a server error (`RolesToGive.again`): the next start gives them the
    # role again if they are still confirmed. Whether they hold it is recorded apart, as
    # owing it back (`owed_roles`), which takes it from them otherwise.
    """
    CREATE TABLE roles_to_give_again (
        event_id INTEGER NOT NULL,
        user_id  INTEGER NOT NULL,
        PRIMARY KEY (event_id, user_id)
    ) WITHOUT ROWID;
    """,
    # 23: what the pages of each slot gave their event's content (`bot.content.Slot`, JSON),
    # so an edited page imported again replaces what it said. Pages saved before have none:
    # their events' content is merged as before (`bot.content.rebuilt_content`), since reading
    # them again could give another content than they gave (an older reader, several
    # pages in one slot) and would hold the upgrade's transaction for every page.
    """
    ALTER TABLE pages ADD COLUMN parsed TEXT;
    """,
    # 24: the revision of what a calendar shows of an event (`Event.revision`, the `.ics`
    # SEQUENCE). A trigger counts it, so that every statement that changes those columns
    # (an edit, an import, one yet to come) counts, and one that writes them unchanged
    # does not; the joins' updates name none of them, so never run it. Events already
    # there start at 1: a file given out before had no SEQUENCE, which reads as 0, and
    # may show an event edited since.
    """
    ALTER TABLE events ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
    UPDATE events SET revision = 1;
    CREATE TRIGGER events_revision
        AFTER UPDATE OF title, starts_at, ends_at, all_day, venue, link, description ON events
        WHEN OLD.title IS NOT NEW.title OR OLD.starts_at IS NOT NEW.starts_at
            OR OLD.ends_at IS NOT NEW.ends_at OR OLD.all_day IS NOT NEW.all_day
            OR OLD.venue IS NOT NEW.venue OR OLD.link IS NOT NEW.link
            OR OLD.description IS NOT NEW.description
    BEGIN
        UPDATE events SET revision = OLD.revision + 1 WHERE id = NEW.id;
    END;
    """,
    # 25: the search rows' Chinese terms in simplified characters, whichever script a page
    # is written in (`bot.questions.han_index`), so that a question in either finds it.
    # The table is made anew (dropping it is many times faster than deleting its rows);
    # the code fills it again (PASSAGES_REBUILT).
    """
    DROP TABLE passages;
    CREATE VIRTUAL TABLE passages USING fts5 (
        text, han, scope, event_id UNINDEXED, source UNINDEXED,
        tokenize = 'porter unicode61 remove_diacritics 2'
    );
    INSERT INTO passages (passages, rank) VALUES ('rank', 'bm25(1.0, 1.0, 0.0)');
    -- the Chinese terms in simplified characters
    """,
    # 26: PostgreSQL's search rows fold accents, as this table's tokenizer always has
    # (remove_diacritics): nothing to change here; the number keeps the two in step.
    "",
    # 27: whether a deleted event had taken place: a click on a button its announcement
    # kept says so, not that it was cancelled.
    """
    ALTER TABLE deleted_events ADD COLUMN taken_place INTEGER NOT NULL DEFAULT 0;
    """,
    # 28: PostgreSQL's search rows keep the words its 'english' configuration drops as
    # stopwords, as this table's tokenizer always has: nothing to change here; the number
    # keeps the two in step.
    "",
    # 29: the events under way (begun, not over) are found by their end, so the default
    # event (`default_event_id`) reads those ending from now on, not every past event.
    """
    CREATE INDEX events_by_guild_end ON events (guild_id, ends_at);
    """,
    # 30: the notices to moderators about an attendee role (Discord refused the bot the
    # role, or it was deleted) held while Discord has not sent their server: made once it
    # arrives, whether or not the bot stopped meanwhile. One per role (a later one replaces
    # it); `held_at` (Unix seconds) lets a start drop those held past GIVE_UP_AFTER.
    # `events`: the event ids the notice names, comma-separated.
    """
    CREATE TABLE held_role_notices (
        guild_id  INTEGER NOT NULL,
        role_id   INTEGER NOT NULL,
        events    TEXT    NOT NULL,
        deleted   INTEGER NOT NULL,
        giving    INTEGER NOT NULL,
        unoffered INTEGER NOT NULL,
        name      TEXT,
        held_at   INTEGER NOT NULL,
        PRIMARY KEY (guild_id, role_id)
    ) WITHOUT ROWID;
    """,
    # 31: each server's events version, which every change to what the `[event]` option
    # offers of its events, or to their order, takes one further (an event made or
    # deleted; a title, date, zone offset or archiving changed), in the transaction that
    # makes it, whatever connection or process commits it: the option's choices are
    # kept (`Events.event_titles`) while it stays. Triggers count it, so a statement yet
    # to come counts too; a join's update names none of those columns. A server's row
    # stays after its data is deleted: its version never goes back to a number it had.
    """
    CREATE TABLE event_versions (
        guild_id INTEGER PRIMARY KEY,
        version  INTEGER NOT NULL
    );
    CREATE TRIGGER event_versions_insert AFTER INSERT ON events
    BEGIN
        INSERT INTO event_versions (guild_id, version) VALUES (NEW.guild_id, 1)
            ON CONFLICT (guild_id) DO UPDATE SET version = version + 1;
    END;
    CREATE TRIGGER event_versions_delete AFTER DELETE ON events
    BEGIN
        INSERT INTO event_versions (guild_id, version) VALUES (OLD.guild_id, 1)
            ON CONFLICT (guild_id) DO UPDATE SET version = version + 1;
    END;
    CREATE TRIGGER event_versions_update
        AFTER UPDATE OF guild_id, title, starts_at, ends_at, all_day, archived, start_offset,
            end_offset, created_at ON events
        WHEN OLD.guild_id IS NOT NEW.guild_id OR OLD.title IS NOT NEW.title
            OR OLD.starts_at IS NOT NEW.starts_at OR OLD.ends_at IS NOT NEW.ends_at
            OR OLD.all_day IS NOT NEW.all_day OR OLD.archived IS NOT NEW.archived
            OR OLD.start_offset IS NOT NEW.start_offset OR OLD.end_offset IS NOT NEW.end_offset
            OR OLD.created_at IS NOT NEW.created_at
    BEGIN
        INSERT INTO event_versions (guild_id, version) VALUES (OLD.guild_id, 1)
            ON CONFLICT (guild_id) DO UPDATE SET version = version + 1;
        INSERT INTO event_versions (guild_id, version)
            SELECT NEW.guild_id, 1 WHERE NEW.guild_id IS NOT OLD.guild_id
            ON CONFLICT (guild_id) DO UPDATE SET version = version + 1;
    END;
    """,
    # 32: a member's RSVPs found by the member (`/rsvp mine`): without it, every event of
    # the server was probed for one, a cost that grew with the server's events.
    """
    CREATE INDEX rsvps_by_member ON rsvps (user_id);
    """,
    # 33: `/event list` reads the events it shows, not all the server's: those not
    # archived by when they are over (`OVER_AT`, as its queries spell it), which it
    # counts without the past ones; and the server's longest event, which bounds the
    # ends of the events under way (`bot.storage.sqlite.events.LONGEST`).
    """
    CREATE INDEX events_by_guild_over ON events
        (guild_id, archived, coalesce(ends_at - end_offset, (starts_at - start_offset)));
    CREATE INDEX events_by_guild_span ON events (guild_id, ends_at - starts_at);
    """,
    # 34: `/event list`'s events without a date (not archived), by id (PostgreSQL's 34;
    # SQLite's events_by_guild_start keeps them so already; the schemas are kept alike).
    """
    CREATE INDEX events_by_guild_dateless ON events (guild_id, id)
        WHERE starts_at IS NULL AND NOT archived;
    """,
    # 35: a slug changed takes the events version further too: the `[event]` option's
    # kept titles name events by their slugs (`bot.flows.events.TitleIndex`).
    """
    DROP TRIGGER event_versions_update;
    CREATE TRIGGER event_versions_update
        AFTER UPDATE OF guild_id, title, slug, starts_at, ends_at, all_day, archived,
            start_offset, end_offset, created_at ON events
        WHEN OLD.guild_id IS NOT NEW.guild_id OR OLD.title IS NOT NEW.title
            OR OLD.slug IS NOT NEW.slug
            OR OLD.starts_at IS NOT NEW.starts_at OR OLD.ends_at IS NOT NEW.ends_at
            OR OLD.all_day IS NOT NEW.all_day OR OLD.archived IS NOT NEW.archived
            OR OLD.start_offset IS NOT NEW.start_offset OR OLD.end_offset IS NOT NEW.end_offset
            OR OLD.created_at IS NOT NEW.created_at
    BEGIN
        INSERT INTO event_versions (guild_id, version) VALUES (OLD.guild_id, 1)
            ON CONFLICT (guild_id) DO UPDATE SET version = version + 1;
        INSERT INTO event_versions (guild_id, version)
            SELECT NEW.guild_id, 1 WHERE NEW.guild_id IS NOT OLD.guild_id
            ON CONFLICT (guild_id) DO UPDATE SET version = version + 1;
    END;
    """,
    # 36: the events of a server whose data is being deleted (`SqliteSettings.purge_guild`)
    # whose own rows are gone while rows that hang on them (RSVPs, reminders sent, roles
    # owed, pages...) are still being deleted, a few thousand a transaction
    # (`purge_leftovers`); a purge stopped midway is finished from here.
    """
    CREATE TABLE purged_events (
        event_id INTEGER PRIMARY KEY,
        guild_id INTEGER NOT NULL
    );
    """,
    # 37: what an event's pages say at length (its description, recap summary and access
    # notes) in a row of its own, beside the event's: every join rewrites the event's row
    # (its seat counts), and SQLite rewrites a row whole, reading all it holds, so each
    # join cost in proportion to the pages (a 1.5 MB description: 508 µs a join on the
    # event loop, against 56 µs for a short one). The calendar's revision counts a new
    # description as before. PostgreSQL keeps them in the event's row: an update there
    # leaves a long text where it is (TOAST) and does not read it.
    """
    CREATE TABLE event_texts (
        event_id      INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
        description   TEXT    NOT NULL DEFAULT '',
        recap_summary TEXT    NOT NULL DEFAULT '',
        access_notes  TEXT    NOT NULL DEFAULT '[]'
    );
    INSERT INTO event_texts (event_id, description, recap_summary, access_notes)
        SELECT id, description, recap_summary, access_notes FROM events;
    DROP TRIGGER events_revision;
    ALTER TABLE events DROP COLUMN description;
    ALTER TABLE events DROP COLUMN recap_summary;
    ALTER TABLE events DROP COLUMN access_notes;
    CREATE TRIGGER events_revision
        AFTER UPDATE OF title, starts_at, ends_at, all_day, venue, link ON events
        WHEN OLD.title IS NOT NEW.title OR OLD.starts_at IS NOT NEW.starts_at
            OR OLD.ends_at IS NOT NEW.ends_at OR OLD.all_day IS NOT NEW.all_day
            OR OLD.venue IS NOT NEW.venue OR OLD.link IS NOT NEW.link
    BEGIN
        UPDATE events SET revision = OLD.revision + 1 WHERE id = NEW.id;
    END;
    CREATE TRIGGER event_texts_revision AFTER UPDATE OF description ON event_texts
        WHEN OLD.description IS NOT NEW.description
    BEGIN
        UPDATE events SET revision = revision + 1 WHERE id = NEW.event_id;
    END;
    """,
    # 38: the events whose Discord event the bot was refused for want of Manage Events
    # (or Create Events), made or brought up to date once a moderator gives it
    # (`RefusedDiscordEvents`), whether or not the bot stopped meanwhile. `create_it`:
    # whether to make one (an announce), where otherwise only the one it has is updated.
    """
    CREATE TABLE discord_event_refusals (
        event_id  INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
        guild_id  INTEGER NOT NULL,
        create_it INTEGER NOT NULL
    );
    """,
    # 39: the promotions whose DMs are not yet sent, which the reminder walk looks up for
    # the events whose reminders are due (`reminder_walk.PROMOTIONS_UNSENT`): without it
    # each walk read the whole outbox, which an event's move fills with a DM per member.
    """
    CREATE INDEX outbox_promotions ON outbox (event_id, id) WHERE kind = 'promoted';
    """,
    # 40: each event's calendar UID (`Event.calendar_uid`), random, given as it is made
    # (SQLite adds no column with a random default: the insert gives it). The events there
    # keep the UID their calendar files had, so that calendars holding them update them.
    """
    ALTER TABLE events ADD COLUMN calendar_uid TEXT;
    UPDATE events SET calendar_uid = 'event-' || id || '-' || guild_id || '@eventbot';
    """,
    # 41: each server's language in Discord as the bot last saw it (`ServerLanguages.seen`):
    # one changed while the bot was away is told from the server's next GUILD_CREATE, and
    # what the bot posted in the old one is shown again in the new.
    """
    ALTER TABLE guild_settings ADD COLUMN discord_locale TEXT;
    """,
    # 42: nothing here: PostgreSQL's search rows read ASCII punctuation as spaces from
    # this one on, as SQLite's tokenizer always has ("F-35" is "f" and "35"); the number
    # keeps the two backends' versions in step.
    "SELECT 1",
    # 43: the search rows keep, beside their Han terms, the words of their text that the
    # tokenizer reads otherwise than a question's (`bot.questions.hidden_words`): written
    # against Han text ("部署THAAD系统" is one token to it) or in full-width letters
    # ("ＴＨＡＡＤ"). The table is made anew, and the code fills it again (PASSAGES_REBUILT).
    """
    DROP TABLE passages;
    CREATE VIRTUAL TABLE passages USING fts5 (
        text, han, scope, event_id UNINDEXED, source UNINDEXED,
        tokenize = 'porter unicode61 remove_diacritics 2'
    );
    INSERT INTO passages (passages, rank) VALUES ('rank', 'bm25(1.0, 1.0, 0.0)');
    """,
    # 44: the notices claimed, which every claim reads (the later notices of their order
    # wait for them: `outbox.held_elsewhere`): a few among a backlog of thousands.
    """
    CREATE INDEX outbox_claimed ON outbox (claimed_at) WHERE claimed_at IS NOT NULL;
    """,
    # 45: each event's notices by kind, which its deletion, an edit and a capacity change
    # read (the ones not sent yet): an index probe, not a read of the whole outbox, where
    # a big event deleted leaves a DM to each of its members for hours. It holds the
    # promotions' index (39) as its kind 'promoted'.
    """
    CREATE INDEX outbox_by_event ON outbox (event_id, kind, id);
    DROP INDEX outbox_promotions;
    """,
    # 46: the notices of each kind in their order, which each lane claims its kinds' first
    # of (`SqliteOutbox.claim_notices`): none of the other lane's backlog read.
    """
    CREATE INDEX outbox_by_kind ON outbox (kind, id);
    """,
    # 47: nothing here: the pages saved before an event kept one per language (7), which
    # that migration labelled English, Chinese ones too, are labelled by their text, as an
    # import of them is, by the code (PAGES_LABELLED).
    "SELECT 1",
)

SCHEMA_VERSION = len(MIGRATIONS)
# An upgrade from before this migration ends with the code filling the search table
# again: what its rows hold changed here (and at 10 and 25).
PASSAGES_REBUILT = 43
DAYS_IN_ZONES = 14  # after this one, the code fills in the all-day events' offsets
PAGES_LABELLED = 47  # an upgrade from before it labels the pages by their text's language

-- =====================================================================================
-- Secrets: API keys and the like, for services behind a gateway (a commercial
-- Nominatim, a private Overpass).
--
-- Only the extension's owner can read realmap.secrets.  A service names its secret in
-- realmap.config (geocode.secret, amenities.secret), so a run's configuration
-- snapshot, its history and its errors hold the name, never the value.  The fetch
-- functions read the value at request time through realmap._secret_header, which no
-- role may execute from SQL: realmap.so calls it directly (an fmgr call checks no
-- EXECUTE privilege) and hands the header to the HTTP client, which sends it to the
-- secret's host only (a request elsewhere is refused; a redirect elsewhere goes
-- without it) and never puts it in a message.
-- =====================================================================================

CREATE TABLE realmap.secrets (
    name        text PRIMARY KEY,
    value       text NOT NULL,
    header      text NOT NULL,            -- the request header that carries it
    host        text NOT NULL,            -- the only host it is sent to
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT secrets_name_is_a_word CHECK (name ~ '^[A-Za-z0-9_.-]{1,63}$'),
    CONSTRAINT secrets_header_is_a_token CHECK (header ~ '^[A-Za-z0-9!#$%&''*+.^_`|~-]{1,63}$'),
    CONSTRAINT secrets_value_is_one_line CHECK (value <> '' AND value !~ '[\r\n]'),
    CONSTRAINT secrets_host_is_a_host CHECK (host ~ '^([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]+\])$')
);
COMMENT ON TABLE realmap.secrets IS
'API keys for the services realmap calls; readable by the extension owner only (realmap.set_secret writes them, realmap.secret_names lists them without values)';

INSERT INTO realmap.config (key, value, description) VALUES
    ('geocode.secret', 'null', 'Name of a realmap.secrets entry sent with every geocoding request (null: none)'),
    ('amenities.secret', 'null', 'Name of a realmap.secrets entry sent with every Overpass request (null: none)');

-- realmap.set_secret(name, value, host, header): creates or replaces a secret.
CREATE FUNCTION realmap.set_secret(name text, value text, host text, header text DEFAULT 'Authorization')
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- the constraints would say the same, but their messages would show the row (the value)
    IF name IS NULL OR name !~ '^[A-Za-z0-9_.-]{1,63}$' THEN
        RAISE EXCEPTION 'invalid secret name %', coalesce(quote_literal(name), 'NULL')
            USING ERRCODE = '22023', HINT = 'Letters, digits, "_", "." and "-", at most 63.';
    END IF;
    IF value IS NULL OR value = '' OR value ~ '[\r\n]' THEN
        RAISE EXCEPTION 'the value of secret "%" must be one non-empty line', name USING ERRCODE = '22023';
    END IF;
    IF host IS NULL OR host !~ '^([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]+\])$' THEN
        RAISE EXCEPTION 'invalid host % for secret "%"', coalesce(quote_literal(host), 'NULL'), name
            USING ERRCODE = '22023', HINT = 'A host name or address as in a URL, without scheme or port.';
    END IF;
    IF header IS NULL OR header !~ '^[A-Za-z0-9!#$%&''*+.^_`|~-]{1,63}$' THEN
        RAISE EXCEPTION 'invalid header name % for secret "%"', coalesce(quote_literal(header), 'NULL'), name
            USING ERRCODE = '22023';
    END IF;
    INSERT INTO realmap.secrets AS s (name, value, header, host)
    VALUES (set_secret.name, set_secret.value, set_secret.header, lower(set_secret.host))
    ON CONFLICT ON CONSTRAINT secrets_pkey DO UPDATE
       SET value = EXCLUDED.value, header = EXCLUDED.header, host = EXCLUDED.host, updated_at = now();
END $$;
COMMENT ON FUNCTION realmap.set_secret(text, text, text, text) IS
'Creates or replaces a secret: sent as "<header>: <value>" to <host> only, by the services whose config names it';

CREATE FUNCTION realmap.drop_secret(name text) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH gone AS (DELETE FROM realmap.secrets s WHERE s.name = drop_secret.name RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM gone)
$$;
COMMENT ON FUNCTION realmap.drop_secret(text) IS 'Removes a secret; false when there was none of that name';

-- What exists, without the values (a view runs with its owner's rights).
CREATE VIEW realmap.secret_names AS
    SELECT name, header, host, updated_at FROM realmap.secrets;
COMMENT ON VIEW realmap.secret_names IS 'The secrets that exist, without their values';

-- {header line, host} of a secret.  Called by realmap.so only (see above).
CREATE FUNCTION realmap._secret_header(name text) RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s realmap.secrets;
BEGIN
    SELECT * INTO s FROM realmap.secrets WHERE secrets.name = _secret_header.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'secret "%" does not exist', _secret_header.name USING ERRCODE = '42704',
            HINT = 'realmap.set_secret(name, value, host, header) creates it; realmap.secret_names lists them.';
    END IF;
    RETURN ARRAY[s.header || ': ' || s.value, s.host];
END $$;


package dev.strangler.gateway.controlstore;

import java.time.Instant;

/**
 * One switch or rollback.
 *
 * @param id its sequence number
 * @param route the route
 * @param at when
 * @param actor who: the {@code X-Strangler-Actor} header of the admin call, or
 *     {@code auto-rollback}
 * @param automatic whether the gateway did it by itself
 * @param fromMode the mode before
 * @param fromPercent the canary percent before
 * @param toMode the mode after
 * @param toPercent the canary percent after
 * @param reason why
 * @param version the route state's version after
 * @param replica which gateway replica made it
 * @param outcome {@code switched}, {@code forced} (the write fence was skipped) or
 *     {@code abandoned} (the fence timed out or cdc-sync had not caught up: nothing changed)
 */
public record AuditEntry(long id, String route, Instant at, String actor, boolean automatic,
                         String fromMode, double fromPercent, String toMode, double toPercent,
                         String reason, long version, String replica, String outcome) {}

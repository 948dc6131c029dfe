package dev.strangler.gateway.controlstore;

import java.time.Instant;

/**
 * One switch or rollback, or a verify run from the dashboard ({@code action} {@code verify}: the
 * route's mode is the same before and after).
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
 *     {@code abandoned} (the fence timed out or cdc-sync had not caught up: nothing changed); for
 *     a verify {@code equal}, {@code different} or {@code failed}
 * @param action {@code switch} or {@code verify}
 * @param pipeline the pipeline a verify ran on, null for a switch
 * @param detail what a verify found or why it failed, null for a switch
 */
public record AuditEntry(long id, String route, Instant at, String actor, boolean automatic,
                         String fromMode, double fromPercent, String toMode, double toPercent,
                         String reason, long version, String replica, String outcome,
                         String action, String pipeline, String detail) {}

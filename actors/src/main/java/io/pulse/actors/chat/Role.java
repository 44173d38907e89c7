package io.pulse.actors.chat;

/** A member's role in a group conversation. Direct conversations have two members, both MEMBER. */
public enum Role {
  OWNER,
  ADMIN,
  MEMBER;

  /** Owners and admins manage membership. */
  public boolean manages() {
    return this != MEMBER;
  }
}

# Loads a Vagrantfile with a stand-in for Vagrant's config object (no provider can run on the test machine)
# and fires one machine trigger's ruby block as Vagrant does, with a stand-in for the machine:
#   ruby vagrant-trigger.rb VAGRANTFILE MACHINE after|before EVENT ID PRIVATE_KEY
# ID "" is a machine without id (destroyed, or never created); PRIVATE_KEY "" is one without ssh_info.
Machine = Struct.new(:id, :ssh_info)

class Trigger
  attr_reader :block
  def ruby(&block)
    @block = block
  end

  def method_missing(*)
    nil
  end

  def respond_to_missing?(*)
    true
  end
end

class Stub
  def initialize(triggers, name = nil)
    @triggers = triggers
    @name = name
  end

  def define(name)
    yield Stub.new(@triggers, name.to_s)
  end

  def trigger
    self
  end

  %i[before after].each do |timing|
    define_method(timing) do |*events, &block|
      t = Trigger.new
      block&.call(t)
      events.flatten.each { |e| (@triggers[[@name, timing.to_s, e.to_s]] ||= []) << t }
      self
    end
  end

  def provider(*)
    yield Stub.new({}, nil) if block_given?
  end

  def method_missing(*)
    self
  end

  def respond_to_missing?(*)
    true
  end
end

module Vagrant
  def self.configure(_version)
    triggers = {}
    yield Stub.new(triggers)
    vagrantfile, name, timing, event, id, key = ARGV
    fired = triggers.fetch([name, timing, event]) { abort "no #{timing} #{event} trigger for #{name}" }
    machine = Machine.new(id.to_s.empty? ? nil : id, key.to_s.empty? ? nil : { private_key_path: [key] })
    fired.each { |t| t.block&.call(nil, machine) }
  end
end

load ARGV.fetch(0)
